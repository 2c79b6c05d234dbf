#!/usr/bin/env bash
# agnosticd_user_info through ansible-playbook: the files after a sequence of calls (as PyYAML loads
# them), errors, check mode, and the result printed like debug without -v.
set -euo pipefail
out="$TARGET_TMP/files.log"
ansible-playbook -i ../../inventory main.yml >"$out" 2>&1 || { tail -80 "$out"; exit 1; }
grep -q '"msg": "user.info: hello"' "$out" || { echo "result not printed like debug"; tail -40 "$out"; exit 1; }
echo "user_info_files: ok"
