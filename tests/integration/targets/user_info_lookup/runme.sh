#!/usr/bin/env bash
# The lookup agnosticd_user_data reads back what agnosticd_user_info wrote (top-level data, users:,
# data_prefix, an integer user), from the same output_dir and ACTION rules: play vars, hostvars.localhost,
# playbook_dir, a relative directory, the explicit option; a destroy run reads provision's file by
# default. Missing names, files and users give null or the default; a file that is not a mapping gives
# a one-line warning that never shows its content; an unreadable file and bad options fail.
set -euo pipefail
here=$(pwd)
t="$TARGET_TMP"
rm -rf "$t/pb" "$t/vars" "$t/hostvars" "$t/rel" "$t/bad" "$t/broken" "$t/dir" && mkdir -p "$t/pb" "$t/bad" "$t/broken"
cat >"$t/inventory" <<INV
[controller]
localhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}" output_dir=$t/hostvars ACTION=destroy
[lab]
labhost ansible_connection=local ansible_python_interpreter="{{ ansible_playbook_python }}"
INV
cp "$here/playbook.yml" "$t/pb/playbook.yml"
# Files that are not a mapping; their content must never reach the output.
printf -- '---\n- sk-listed-not-a-mapping\n' >"$t/bad/provision-user-data.yaml"
printf -- 'key: [sk-broken-yaml\n' >"$t/broken/provision-user-data.yaml"
mkdir -p "$t/dir/provision-user-data.yaml"

out="$t/lookup.log"
# From $t, so that the relative output_dir "rel" is $t/rel for the module and the lookup alike.
(cd "$t" && ansible-playbook -i "$t/inventory" -e "target_tmp=$t" "$t/pb/playbook.yml") >"$out" 2>&1 || { tail -80 "$out"; exit 1; }

fail() { echo "user_info_lookup: $*"; tail -60 "$out"; exit 1; }
# Ansible wraps warnings at the terminal width (also at hyphens): compare without whitespace.
python3 - "$t" "$out" <<'PY' || fail "a warning is missing"
import re, sys
t, log = sys.argv[1], open(sys.argv[2], encoding="utf-8").read()
flat = re.sub(r"\s+", "", log)
for want in (r"%s/bad/provision-user-data.yaml holds a list, not a mapping" % re.escape(t),
             r"%s/broken/provision-user-data.yaml is not a YAML document \(line [0-9]+\)" % re.escape(t)):
    want = r"\[WARNING\]:agnosticd_user_data:" + want.replace(" ", "") + ";usingthedefault"
    assert re.search(want, flat), want
PY
if grep -q "sk-listed-not-a-mapping\|sk-broken-yaml" "$out"; then fail "a file's content reached the output"; fi
[ -f "$t/rel/provision-user-data.yaml" ] || fail "the relative output_dir was not $t/rel"
[ -f "$t/pb/provision-user-data.yaml" ] || fail "playbook_dir got no data file"
echo "user_info_lookup: ok"
