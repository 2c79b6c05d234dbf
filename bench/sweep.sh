#!/usr/bin/env bash
# Wall time of litellm_key_info and of playbooks/sweep_keys.yml through ansible-playbook, against
# fake-litellm holding 20,000 keys (18,000 unrelated ones and 2,000 leaked virtkey- keys that expired
# ten days ago), with the request counts the module reports. Run through
# tests/scripts/with-collection.sh (make bench does). hyperfine when available, else one timed run.
# Goals: litellm_key_info over 20,000 keys <= 3 s; the sweep of 2,000 of them <= 10 s.
set -euo pipefail
: "${ANSIBLE_COLLECTIONS_PATH:?run me through tests/scripts/with-collection.sh}"
work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-sweep-bench.XXXXXX")
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
LITELLM_MASTER_KEY="sk-bench-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export LITELLM_MASTER_KEY
"$FAKE_LITELLM" --port 0 --seed-keys 18000 >"$work/url" 2>"$work/err" &
pid=$!
for _ in $(seq 1 600); do grep -q '^http' "$work/url" 2>/dev/null && break; sleep 0.1; done
LITELLM_URL=$(head -n 1 "$work/url"); export LITELLM_URL
case "$LITELLM_URL" in http://*) ;; *) cat "$work/err" >&2; exit 1 ;; esac

cat >"$work/seed.py" <<'PY'
import datetime, json, os, sys, urllib.request
auth = {"Authorization": "Bearer " + os.environ["LITELLM_MASTER_KEY"], "Content-Type": "application/json"}
probe = urllib.request.Request(os.environ["LITELLM_URL"] + "/key/list?key_alias=virtkey-leak00000", headers=auth)
if json.load(urllib.request.urlopen(probe, timeout=60))["keys"]:
    sys.exit(0)  # still there (the previous run was a preview, or this is the first measured run)
exp = (datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
rows = [{"key_alias": f"virtkey-leak{i:05d}", "expires": exp, "metadata": {"guid": f"leak{i:05d}"}, "spend": 0.01}
        for i in range(2000)]
req = urllib.request.Request(os.environ["LITELLM_URL"] + "/_fake/keys", data=json.dumps({"keys": rows}).encode(),
                             headers=auth, method="POST")
urllib.request.urlopen(req, timeout=60).read()
PY
cat >"$work/info.yml" <<'YML'
- hosts: localhost
  gather_facts: false
  tasks:
    - rhpds.litellm_virtual_keys.litellm_key_info:
        api_url: "{{ lookup('env', 'LITELLM_URL') }}"
        api_key: "{{ lookup('env', 'LITELLM_MASTER_KEY') }}"
        alias_prefix: virtkey-
        expired_for: 7d
      register: info
    - ansible.builtin.debug:
        msg: "selected {{ info.totals.count }} of {{ info.totals.scanned }} keys; api_requests {{ info.api_requests }} (pages {{ info.pages }})"
YML
inv="$work/inventory"
echo "localhost ansible_connection=local ansible_python_interpreter=$(command -v python3)" >"$inv"
python3 "$work/seed.py"
info=(ansible-playbook -i "$inv" "$work/info.yml")
sweep=(ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.sweep_keys -e "litellm_url=$LITELLM_URL"
       -e sweep_expired_for=7d -e sweep_max_delete=2000 -e "sweep_report_file=$work/report.json")
"${info[@]}" | grep -o '"selected .*"'
if command -v hyperfine >/dev/null; then
  hyperfine --runs "${RUNS:-3}" --warmup 1 "${info[*]}"
  hyperfine --runs "${RUNS:-3}" --prepare "python3 $work/seed.py" "${sweep[*]}"
else
  time "${info[@]}" >/dev/null
  python3 "$work/seed.py"; time "${sweep[@]}" >/dev/null
fi
python3 "$work/seed.py"
"${sweep[@]}" | grep -o '"LiteLLM key sweep.*"'
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print("report: api_requests", r["api_requests"], "totals", r["totals"])' "$work/report.json"
