#!/usr/bin/env bash
# Where agnosticd_user_info writes: output_dir from play vars, from hostvars.localhost (also when the
# play's own value is empty), falling back to playbook_dir; ACTION likewise, except that a host's
# empty ACTION means provision (AgnosticD's first default() has no `true`). Plays on other inventory
# hosts - one with a local connection, one that is unreachable - still write on the controller.
set -euo pipefail
t="$TARGET_TMP"
rm -rf "$t/pb" "$t/vars" "$t/hostvars" && mkdir -p "$t/pb"
cat >"$t/inventory" <<INV
[controller]
localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" output_dir=$t/hostvars ACTION=destroy
[lab]
labhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
unreachable ansible_host=192.0.2.1 ansible_connection=ssh ansible_user=nobody ansible_ssh_common_args="-o ConnectTimeout=1"
INV
cp playbook.yml "$t/pb/playbook.yml"
ansible-playbook -i "$t/inventory" -e "target_tmp=$t" "$t/pb/playbook.yml"

python3 - "$t" <<'PY'
import os, sys, yaml
t = sys.argv[1]
def load(p):
    with open(os.path.join(t, p), encoding="utf-8") as fh:
        return yaml.safe_load(fh)
checks = {
    "vars/provision-user-info.yaml": ["from play vars"],
    # labhost has no output_dir or ACTION: hostvars.localhost gives both; same for an empty output_dir.
    "hostvars/destroy-user-info.yaml": ["from labhost", "from unreachable", "empty falls through",
                                        "localhost's ACTION wins over default_action"],
    "hostvars/destroy-user-data.yaml": {"labhost": "labhost", "unreachable": "unreachable"},
    "hostvars/provision-user-info.yaml": ["empty ACTION is provision", "default_action does not replace an empty ACTION"],
    "pb/provision-user-info.yaml": ["from playbook_dir"],
    "vars/override-user-info.yaml": ["explicit options win"],
}
for path, want in checks.items():
    got = load(path)
    assert got == want, (path, got, want)
leftovers = sorted(f for f in os.listdir(os.path.join(t, "pb")) if f != "playbook.yml")
assert leftovers == ["provision-user-info.yaml"], leftovers
print("user_info_output_dir: ok")
PY
