#!/usr/bin/env bash
# Differential test against AgnosticD v2: the cases of go/internal/userinfo/testdata/agnosticd_cases.yml
# run through AgnosticD's own agnosticd_user_info (collection agnosticd.core) and through ours with
# ansible-playbook; the files are compared after a PyYAML load with the cases' expected values (which
# TestAgnosticDCases checks against our module on every run), failures and result messages too, and
# so is where each resolves ACTION. Needs AgnosticD's source, which CI does not fetch:
#   AGNOSTICD_V2_SRC=/path/to/a/checkout/of/rhpds/agnosticd-v2
set -euo pipefail
plugin=ansible/collections/ansible_collections/agnosticd/core/plugins/action/agnosticd_user_info.py
src=${AGNOSTICD_V2_SRC:-}
if [ -z "$src" ] || [ ! -f "$src/$plugin" ]; then
  echo "SKIP user_info_agnosticd: AGNOSTICD_V2_SRC does not point to a checkout of rhpds/agnosticd-v2 (with $plugin)"
  exit 0
fi
t="$TARGET_TMP/diff"
rm -rf "$t" && mkdir -p "$t"
python3 differential.py prepare "$t"
cat >"$t/inventory" <<INV
localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" ACTION=destroy
[lab]
emptyaction ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" ACTION=""
noaction ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
INV
export ANSIBLE_COLLECTIONS_PATH="$ANSIBLE_COLLECTIONS_PATH:$src/ansible/collections"
for pb in "$t/calls.yml" playbook.yml; do
  ansible-playbook -i "$t/inventory" -e "work=$t" "$pb" >"$t/playbook.log" 2>&1 || { tail -60 "$t/playbook.log"; exit 1; }
done
python3 differential.py compare "$t"
