#!/usr/bin/env bash
# litellm_key_info's documentation, as installed from the tarball: ansible-doc renders it, the options
# it documents are exactly the parameters the binary accepts (names and aliases), every RETURN entry
# has a sample, and the EXAMPLES run as written against the in-memory fake.
set -euo pipefail
m=litellm_key_info
coll="$ANSIBLE_COLLECTIONS_PATH/ansible_collections/rhpds/litellm_virtual_keys"
bin="$coll/bin/litellm_vk-$(go env GOOS)-$(go env GOARCH)"
[ -x "$bin" ] || { echo "$bin is missing or not executable in the installed collection"; exit 1; }
grep -qx "    - $m" "$coll/meta/runtime.yml" || { echo "$m is not in the litellm action group"; exit 1; }
ansible-doc -j "rhpds.litellm_virtual_keys.$m" >"$TARGET_TMP/doc.json"
echo '{"zz_not_an_option": 1}' >"$TARGET_TMP/args.json"
"$bin" "$m" "$TARGET_TMP/args.json" >"$TARGET_TMP/out.json" || true
play="$TARGET_TMP/examples.yml"
python3 - "$m" "$TARGET_TMP/doc.json" "$TARGET_TMP/out.json" "$coll/plugins/modules/$m.yml" "$play" <<'PY'
import json, re, sys, yaml
name, docf, outf, sidecar, playf = sys.argv[1:]
entry = json.load(open(docf))["rhpds.litellm_virtual_keys." + name]
doc, ret = entry["doc"], entry["return"]
out = json.load(open(outf))
m = re.search(r"Supported parameters include: (.*)\.$", out.get("msg", ""))
assert m, f"unexpected answer to an unknown option: {out.get('msg')}"
accepted = {p[0]: sorted(a for a in p[1].split(", ") if a)
            for p in re.findall(r"([a-z_]+)(?: \(([^)]*)\))?(?:, |$)", m.group(1))}
documented = {k: sorted(v.get("aliases", []) or []) for k, v in doc["options"].items()}
assert accepted == documented, f"module accepts {accepted}, docs say {documented}"
def samples(entries, path=""):
    for k, v in entries.items():
        assert v.get("description"), f"RETURN {path}{k} has no description"
        if "contains" in v:
            samples(v["contains"], path + k + ".")
        elif k not in ("changed",):
            assert "sample" in v, f"RETURN {path}{k} has no sample"
assert {"keys", "totals", "api_requests", "pages"} <= set(ret), sorted(ret)
samples(ret)
tasks = yaml.safe_load(yaml.safe_load(open(sidecar))["EXAMPLES"])
assert isinstance(tasks, list) and len(tasks) >= 4, "EXAMPLES must be a list of tasks"
play = [{"name": "EXAMPLES of " + name + ", as written", "hosts": "localhost", "gather_facts": False,
         "vars": {"litellm_url": "{{ lookup('env', 'LITELLM_URL') }}",
                  "litellm_master_key": "{{ lookup('env', 'LITELLM_MASTER_KEY') }}", "guid": "docs1"},
         "tasks": tasks}]
yaml.safe_dump(play, open(playf, "w"), sort_keys=False)
print(f"{name}: {len(accepted)} options documented and accepted alike; {len(tasks)} example tasks")
PY
ansible-playbook -i ../../inventory "$play" >"$TARGET_TMP/examples.log" 2>&1 || { tail -40 "$TARGET_TMP/examples.log"; echo "EXAMPLES failed"; exit 1; }
grep -q '"msg": "[0-9]* keys, [0-9.]* USD, [0-9]* expired"' "$TARGET_TMP/examples.log" || { tail -20 "$TARGET_TMP/examples.log"; echo "the example's summary is missing"; exit 1; }
echo "litellm_key_info_docs: ok"
