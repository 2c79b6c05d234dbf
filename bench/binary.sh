#!/usr/bin/env bash
# The module binaries `make dist` built into bin/: size of each platform's binary (raw and gzipped,
# as the tarball holds it) and of the tarball, then start-up time of a module run as Ansible runs it
# (`<binary> <args file>`, an args file the module rejects before any request), for
#   per-module  go/cmd/litellm_key built alone, as the collection shipped it before the multi-call binary
#   multi-call  bin/litellm_vk-<this platform>, called as litellm_key (what the action plugin runs)
# hyperfine when installed, else /usr/bin/time over RUNS runs.
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

(cd go && CGO_ENABLED=0 go build -trimpath -ldflags "-s -w" -o "$work/litellm_key" ./cmd/litellm_key)
mkdir -p "$work/multi"   # argv[0] names the module, as the action plugin calls it
ln -s "$(pwd)/bin/litellm_vk-$(go env GOOS)-$(go env GOARCH)" "$work/multi/litellm_key"
printf '{"key_alias": "bench", "_ansible_check_mode": false}\n' >"$work/args.json"   # fails: api_url is required
printf 'per-module binary: %d bytes; ' "$(stat -c %s "$work/litellm_key")"
for b in "$work/litellm_key" "$work/multi/litellm_key"; do
  case $("$b" "$work/args.json" || true) in *'missing required arguments'*) ;; *) echo "unexpected answer of $b"; exit 1 ;; esac
done
echo "start-up, $RUNS runs each (an args file rejected before any request):"
if command -v hyperfine >/dev/null; then
  hyperfine --style none -N --warmup 20 --runs "$RUNS" -i --export-json "$work/startup.json" \
    -n per-module "$work/litellm_key $work/args.json" -n multi-call "$work/multi/litellm_key $work/args.json" >/dev/null
  python3 - "$work/startup.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    print("%-12s mean %.2f ms  median %.2f ms  min %.2f ms  max %.2f ms" % (r["command"], r["mean"] * 1e3, r["median"] * 1e3, r["min"] * 1e3, r["max"] * 1e3))
PY
else
  for n in per-module multi-call; do
    b="$work/litellm_key"; [ $n = multi-call ] && b="$work/multi/litellm_key"
    for _ in $(seq "$RUNS"); do /usr/bin/time -f %e -a -o "$work/$n.times" "$b" "$work/args.json" >/dev/null || true; done
    sort -n "$work/$n.times" | awk -v n=$n '{a[NR]=$1; s+=$1} END {printf "%-12s mean %.2f ms  median %.2f ms\n", n, s/NR*1e3, a[int((NR+1)/2)]*1e3}'
  done
fi
