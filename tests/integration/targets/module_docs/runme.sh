#!/usr/bin/env bash
# The installed collection documents its modules: ansible-doc renders every sidecar, and the options
# it documents are exactly the parameters each binary accepts (names and aliases), so docs and code
# cannot drift apart. Also checks the tarball shipped executable, static binaries and no Go source.
# Every module is served by the one binary for this platform, bin/litellm_vk-<os>-<arch>.
set -euo pipefail
coll="$ANSIBLE_COLLECTIONS_PATH/ansible_collections/rhpds/litellm_virtual_keys"
bin="$coll/bin/litellm_vk-$(go env GOOS)-$(go env GOARCH)"
[ -x "$bin" ] || { echo "$bin is missing or not executable in the installed collection"; exit 1; }
for m in litellm_key agnosticd_user_info litellm_key_info litellm_lab_keys; do
  ansible-doc "rhpds.litellm_virtual_keys.$m" >"$TARGET_TMP/$m.txt"
  if ! { grep -q "OPTIONS" "$TARGET_TMP/$m.txt" && grep -q "RETURN VALUES" "$TARGET_TMP/$m.txt" && grep -q "EXAMPLES" "$TARGET_TMP/$m.txt"; }; then
    echo "ansible-doc output for $m lacks a section"; head -40 "$TARGET_TMP/$m.txt"; exit 1
  fi
  ansible-doc -j "rhpds.litellm_virtual_keys.$m" >"$TARGET_TMP/$m.json"
  echo '{"zz_not_an_option": 1}' >"$TARGET_TMP/$m.args"
  "$bin" "$m" "$TARGET_TMP/$m.args" >"$TARGET_TMP/$m.out" || true
  python3 - "$m" "$TARGET_TMP/$m.json" "$TARGET_TMP/$m.out" <<'PY'
import json, re, sys
name, docf, outf = sys.argv[1:]
doc = json.load(open(docf))["rhpds.litellm_virtual_keys." + name]["doc"]
out = json.load(open(outf))
m = re.search(r"Supported parameters include: (.*)\.$", out.get("msg", ""))
assert m, f"{name}: unexpected answer to an unknown option: {out.get('msg')}"
accepted = {}
for part in re.findall(r"([a-z_]+)(?: \(([^)]*)\))?(?:, |$)", m.group(1)):
    accepted[part[0]] = sorted(a for a in part[1].split(", ") if a)
documented = {k: sorted(v.get("aliases", []) or []) for k, v in doc["options"].items()}
# Parameters the action plugin fills in may be documented as such; all must match exactly.
missing = sorted(set(accepted) - set(documented))
extra = sorted(set(documented) - set(accepted))
assert not missing and not extra, f"{name}: undocumented options {missing}, documented but not accepted {extra}"
for k in accepted:
    assert accepted[k] == documented[k], f"{name}: option {k} aliases differ: module {accepted[k]} docs {documented[k]}"
for k, v in doc["options"].items():
    assert v.get("description"), f"{name}: option {k} has no description"
print(f"{name}: {len(accepted)} options documented and accepted alike")
PY
done
file "$bin" 2>/dev/null | grep -q "statically linked" || { command -v file >/dev/null && { echo "litellm_key is not a static binary"; exit 1; }; }
if find "$coll" -name '*.go' | grep -q .; then echo "Go sources were packed into the collection"; exit 1; fi
echo "module_docs: ok"
