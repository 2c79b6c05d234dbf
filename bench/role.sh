#!/usr/bin/env bash
# Wall time of ansible-playbook running the role against an in-memory fake-litellm:
#   baseline    a play with one debug task (what any ansible-playbook run costs here)
#   provision   single-user provision of a new key (playbooks/provision_key.yml)
#   reprovision single-user provision of an existing key (known key from the data file)
#   cycle1      single-user provision + destroy (two ansible-playbook runs)
#   cycle200    200-user provision + destroy
#   cycle1000   1000-user provision + destroy (CYCLE_RUNS runs, default 3)
#   tasks30     30 litellm_key tasks in a loop (a missing key, 1 request each): the cost of a module task
# and the figures the role's targets are stated in: provision - baseline (also from PAIRED_RUNS
# interleaved pairs, default 15), and cycle1000 / cycle1.
# Needs ANSIBLE_COLLECTIONS_PATH with the installed collection and FAKE_LITELLM (run it through
# tests/scripts/with-collection.sh, as `make bench` does). Uses hyperfine (RUNS runs, default 10).
# Never prints the master key.
# shellcheck disable=SC2086  # $pb, $prov and $destroy are command lines, split on purpose
set -euo pipefail
: "${ANSIBLE_COLLECTIONS_PATH:?run through tests/scripts/with-collection.sh}"
: "${FAKE_LITELLM:?run through tests/scripts/with-collection.sh}"
command -v hyperfine >/dev/null || { echo "bench/role.sh needs hyperfine" >&2; exit 1; }
RUNS=${RUNS:-10}
CYCLE_RUNS=${CYCLE_RUNS:-3}
work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-bench.XXXXXX")
fake_pid=
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

LITELLM_MASTER_KEY="sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export LITELLM_MASTER_KEY
"$FAKE_LITELLM" --port 0 >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
url=
for _ in $(seq 100); do url=$(head -n 1 "$work/fake.out" 2>/dev/null || true); case "$url" in http://*) break ;; esac; sleep 0.05; done
case "$url" in http://*) ;; *) echo "fake-litellm did not start" >&2; cat "$work/fake.err" >&2; exit 1 ;; esac

printf -- '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n        msg: hi\n' >"$work/debug.yml"
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$(command -v python3)" >"$work/inventory"
pb="ansible-playbook -i $work/inventory"
prov="rhpds.litellm_virtual_keys.provision_key -e litellm_url=$url"
destroy="rhpds.litellm_virtual_keys.destroy_key -e litellm_url=$url"
# cycle.sh N: provision and destroy a fresh lab of N users (N=1: single user)
cat >"$work/cycle.sh" <<EOS
set -e
g=c\$RANDOM\$RANDOM
n=\$1
$pb $prov -e guid=\$g -e num_users=\$n -e output_dir=$work/cycle-\$g >/dev/null
$pb $destroy -e guid=\$g -e num_users=\$n -e output_dir=$work/cycle-\$g >/dev/null
rm -rf $work/cycle-\$g
EOS
$pb $prov -e guid=bench-same -e output_dir="$work/same" >/dev/null   # the key re-provisioned below
cat >"$work/tasks30.yml" <<'EOS'
- hosts: localhost
  gather_facts: false
  tasks:
    - rhpds.litellm_virtual_keys.litellm_key:
        api_url: "{{ lookup('env', 'LITELLM_URL') }}"
        key_alias: "bench-missing-{{ item }}"
        state: absent
      loop: "{{ range(30) | list }}"
EOS
export LITELLM_URL=$url

declare -a names=(baseline provision reprovision cycle1 cycle200 cycle1000 tasks30)
declare -a runs=("$RUNS" "$RUNS" "$RUNS" "$RUNS" "$RUNS" "$CYCLE_RUNS" "$RUNS")
declare -a cmds=(
  "$pb $work/debug.yml"
  "$pb $prov -e guid=b\$RANDOM\$RANDOM -e output_dir=$work/new"
  "$pb $prov -e guid=bench-same -e output_dir=$work/same"
  "bash $work/cycle.sh 1"
  "bash $work/cycle.sh 200"
  "bash $work/cycle.sh 1000"
  "$pb $work/tasks30.yml"
)
echo "ansible-playbook wall time, $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), ansible-core $(ansible --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p')"
for i in "${!names[@]}"; do
  hyperfine --style none --warmup 1 --runs "${runs[$i]}" --export-json "$work/${names[$i]}.json" "${cmds[$i]}" >/dev/null
done
# provision - baseline, paired: a baseline run and a provision run in turn, PAIRED_RUNS times, and
# the median of the differences, so that a machine whose speed drifts between hyperfine's blocks
# of runs (a shared VM) does not move the figure.
python3 - "$work" "${PAIRED_RUNS:-15}" "$pb $work/debug.yml" "$pb $prov -e output_dir=$work/paired" <<'PY'
import json, random, shlex, statistics, subprocess, sys, time
work, n, base, prov = sys.argv[1], int(sys.argv[2]), shlex.split(sys.argv[3]), shlex.split(sys.argv[4])
def run(cmd):
    t0 = time.perf_counter()
    subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    return time.perf_counter() - t0
pairs = [(run(base), run(prov + ['-e', 'guid=pr%d' % random.randrange(10**9)])) for _ in range(n)]
json.dump([p - b for b, p in pairs], open(work + '/paired.json', 'w'))
PY
python3 - "$work" "${names[@]}" <<'PY'
import json, statistics, sys
work, names = sys.argv[1], sys.argv[2:]
r = {n: json.load(open("%s/%s.json" % (work, n)))["results"][0] for n in names}
for n in names:
    x = r[n]
    print("%-12s mean %6.3f s  median %6.3f s  min %6.3f s  max %6.3f s  (%d runs; cpu %.3f s)"
          % (n, x["mean"], x["median"], x["min"], x["max"], len(x["times"]), x["user"] + x["system"]))
med = {n: r[n]["median"] for n in names}
d = json.load(open(work + "/paired.json"))
print("provision - baseline  %.3f s (target <= 0.3 s; median of %d paired runs, min %.3f, max %.3f; of the medians above %.3f)"
      % (statistics.median(d), len(d), min(d), max(d), med["provision"] - med["baseline"]))
print("cycle200              %.3f s (target <= 2.5 s)" % med["cycle200"])
print("cycle1000             %.3f s (target <= 8 s)" % med["cycle1000"])
print("cycle1000 / cycle1    %.2f  (target <= 5)" % (med["cycle1000"] / med["cycle1"]))
PY
