#!/usr/bin/env bash
# 20 hosts with forks=20 write at once, twice over in two simultaneous ansible-playbook runs (40
# concurrent writers): every top-level key, per-user entry, per-user message line and info line is
# there afterwards.
set -euo pipefail
t="$TARGET_TMP"
rm -rf "$t/out" && mkdir -p "$t/out"
{
  echo "[writers]"
  for i in $(seq -w 1 20); do echo "w$i ansible_connection=local ansible_python_interpreter=\"{{ ansible_playbook_python }}\""; done
} >"$t/inventory"
export ANSIBLE_FORKS=20
ansible-playbook -i "$t/inventory" -e "output_dir=$t/out run=a" writers.yml >"$t/a.log" 2>&1 & a=$!
ansible-playbook -i "$t/inventory" -e "output_dir=$t/out run=b" writers.yml >"$t/b.log" 2>&1 & b=$!
rc=0; wait $a || rc=1; wait $b || rc=1
[ $rc = 0 ] || { tail -30 "$t/a.log" "$t/b.log"; exit 1; }

python3 - "$t/out" <<'PY'
import os, sys, yaml
out = sys.argv[1]
load = lambda n: yaml.safe_load(open(os.path.join(out, n), encoding="utf-8"))
data, info = load("provision-user-data.yaml"), load("provision-user-info.yaml")
hosts = ["w%02d" % i for i in range(1, 21)]
want_info = sorted("%s %s" % (r, h) for r in "ab" for h in hosts)
assert sorted(info) == want_info, (len(info), sorted(set(want_info) - set(info)))
for r in "ab":
    for h in hosts:
        assert data["%s_%s" % (r, h)] == h, (r, h)
        assert data["users"]["%s-%s" % (r, h)] == {"host": h, "msg": "hello"}, (r, h)
lines = data["users"]["shared"]["msg"].split("\n")
assert sorted(lines) == want_info, len(lines)
print("user_info_concurrency: ok (%d writers, %d info lines)" % (len(want_info), len(info)))
PY
