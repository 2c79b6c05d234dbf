#!/usr/bin/env bash
# Wall time of ansible-playbook running the role against an in-memory fake-litellm:
#   baseline    a play with one debug task (what any ansible-playbook run costs here)
#   provision   single-user provision of a new key (playbooks/provision_key.yml)
#   reprovision single-user provision of an existing key (known key from the data file)
#   multi25     25-user provision + destroy (two ansible-playbook runs)
#   tasks30     30 litellm_key tasks in a loop (a missing key, 1 request each): the cost of a module task
# Needs ANSIBLE_COLLECTIONS_PATH with the installed collection and FAKE_LITELLM (run it through
# tests/scripts/with-collection.sh, as `make bench` does). Uses hyperfine when installed, else
# /usr/bin/time over RUNS runs. Never prints the master key.
set -euo pipefail
: "${ANSIBLE_COLLECTIONS_PATH:?run through tests/scripts/with-collection.sh}"
: "${FAKE_LITELLM:?run through tests/scripts/with-collection.sh}"
RUNS=${RUNS:-10}
work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-bench.XXXXXX")
fake_pid=
cleanup() { [ -n "$fake_pid" ] && kill "$fake_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

LITELLM_MASTER_KEY="sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export LITELLM_MASTER_KEY
"$FAKE_LITELLM" --port 0 >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
for _ in $(seq 100); do url=$(head -n 1 "$work/fake.out" 2>/dev/null || true); case "$url" in http://*) break ;; esac; sleep 0.05; done
case "$url" in http://*) ;; *) echo "fake-litellm did not start" >&2; cat "$work/fake.err" >&2; exit 1 ;; esac
export LITELLM_URL=$url

printf -- '- hosts: localhost\n  gather_facts: false\n  tasks:\n    - ansible.builtin.debug:\n        msg: hi\n' >"$work/debug.yml"
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$(command -v python3)" >"$work/inventory"
pb="ansible-playbook -i $work/inventory"
prov="rhpds.litellm_virtual_keys.provision_key -e litellm_url=$url"
destroy="rhpds.litellm_virtual_keys.destroy_key -e litellm_url=$url"
cat >"$work/multi.sh" <<EOS
g=m\$RANDOM\$RANDOM
$pb $prov -e guid=\$g -e num_users=25 -e output_dir=$work/multi-\$g >/dev/null
$pb $destroy -e guid=\$g -e num_users=25 >/dev/null
EOS
# shellcheck disable=SC2086  # $pb and $prov are word lists: command, options and their values
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

declare -a names=(baseline provision reprovision multi25 tasks30)
declare -a cmds=(
  "$pb $work/debug.yml"
  "$pb $prov -e guid=b\$RANDOM\$RANDOM -e output_dir=$work/new"
  "$pb $prov -e guid=bench-same -e output_dir=$work/same"
  "bash $work/multi.sh"
  "$pb $work/tasks30.yml"
)
echo "ansible-playbook wall time, $(nproc) cores, ansible-core $(ansible --version | sed -n '1s/.*core \([0-9.]*\).*/\1/p'), $RUNS runs each"
if command -v hyperfine >/dev/null; then
  for i in "${!names[@]}"; do
    hyperfine --style none --warmup 1 --runs "$RUNS" --export-json "$work/${names[$i]}.json" "${cmds[$i]}" >/dev/null
    python3 - "$work/${names[$i]}.json" "${names[$i]}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"][0]
print("%-12s mean %.3f s  median %.3f s  min %.3f s  max %.3f s" % (sys.argv[2], r["mean"], r["median"], r["min"], r["max"]))
PY
  done
else
  for i in "${!names[@]}"; do
    for _ in $(seq "$RUNS"); do /usr/bin/time -f %e -a -o "$work/${names[$i]}.times" bash -c "${cmds[$i]} >/dev/null"; done
    sort -n "$work/${names[$i]}.times" | awk -v n="${names[$i]}" '{a[NR]=$1; s+=$1} END {printf "%-12s mean %.3f s  median %.3f s  min %.3f s  max %.3f s\n", n, s/NR, a[int((NR+1)/2)], a[1], a[NR]}'
  done
fi
