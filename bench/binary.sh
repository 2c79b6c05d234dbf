#!/usr/bin/env bash
# The module binaries `make dist` built into bin/: size of each platform's binary (raw and gzipped,
# as the tarball holds it) and of the tarball, then start-up time of each module run as Ansible runs it
# (`<binary> <args file>`, an args file the module rejects before any request or write), for
#   per-module  go/cmd/<module> built alone, as the collection shipped them before the multi-call binary
#   multi-call  bin/litellm_vk-<this platform>, called as <module> (what the action plugins run)
# hyperfine when installed, then the same runs interleaved with their CPU time (steadier on a busy machine).
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
RUNS=${RUNS:-200}
version=$(sed -n 's/^version: *//p' galaxy.yml)
tarball=dist/rhpds-litellm_virtual_keys-$version.tar.gz
work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-bench-bin.XXXXXX")
trap 'rm -rf "$work"' EXIT

printf '%-14s %10s %10s\n' platform bytes gzipped
for f in bin/litellm_vk-*; do
  printf '%-14s %10d %10d\n' "${f#bin/litellm_vk-}" "$(stat -c %s "$f")" "$(gzip -9c "$f" | wc -c)"
done
printf '%-14s %10d  (Galaxy limit 20000000)\n' tarball "$(stat -c %s "$tarball")"

mkdir -p "$work/multi"   # argv[0] names the module, as the action plugins call it
printf '{"key_alias": "bench"}\n' >"$work/litellm_key.json"   # missing required arguments: api_key, api_url
printf '{"bench": 1}\n' >"$work/agnosticd_user_info.json"     # Unsupported parameters
cmds=()
for m in litellm_key agnosticd_user_info; do
  (cd go && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/$m" "./cmd/$m")
  ln -s "$(pwd)/bin/litellm_vk-$(go env GOOS)-$(go env GOARCH)" "$work/multi/$m"
  printf 'per-module %s: %d bytes\n' "$m" "$(stat -c %s "$work/$m")"
  for b in "$work/$m" "$work/multi/$m"; do
    case $("$b" "$work/$m.json" || true) in *'"failed":true'*) ;; *) echo "unexpected answer of $b"; exit 1 ;; esac
  done
  cmds+=(-n "$m per-module" "$work/$m $work/$m.json" -n "$m multi-call" "$work/multi/$m $work/$m.json")
done
echo "start-up, $RUNS runs each (an args file rejected before any request or write):"
if command -v hyperfine >/dev/null; then
  hyperfine --style none -N --warmup 20 --runs "$RUNS" -i --export-json "$work/startup.json" "${cmds[@]}" >/dev/null 2>&1
  python3 - "$work/startup.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%-31s mean %.2f ms  median %.2f ms  min %.2f ms  max %.2f ms" % (r["command"], r["mean"] * 1e3, r["median"] * 1e3, r["min"] * 1e3, r["max"] * 1e3))
PY
fi
# The same runs interleaved (A B A B ...), so that load from other processes hits both alike, with
# the CPU time (user + system) of each run from wait4: steadier than wall time on a busy machine.
python3 - "$RUNS" "${cmds[@]}" <<'PY'
import os, statistics, sys, time
runs, rest = int(sys.argv[1]), sys.argv[2:]
names, argvs = rest[1::3], [c.split() for c in rest[2::3]]
wall, cpu = [[] for _ in argvs], [[] for _ in argvs]
devnull = os.open(os.devnull, os.O_WRONLY)
for _ in range(runs):
    for i, argv in enumerate(argvs):
        t = time.perf_counter()
        pid = os.posix_spawn(argv[0], argv, os.environ, file_actions=[(os.POSIX_SPAWN_DUP2, devnull, 1)])
        _, _, ru = os.wait4(pid, 0)
        wall[i].append(time.perf_counter() - t)
        cpu[i].append(ru.ru_utime + ru.ru_stime)
print("interleaved, %d runs each:" % runs)
for n, w, c in zip(names, wall, cpu):
    print("%-31s wall median %.2f ms  min %.2f ms  cpu median %.2f ms" % (n, statistics.median(w) * 1e3, min(w) * 1e3, statistics.median(c) * 1e3))
PY
