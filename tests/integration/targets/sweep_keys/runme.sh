#!/usr/bin/env bash
# playbooks/sweep_keys.yml through real ansible-playbook against the in-memory fake, on keys of this
# run only (prefix virtkey-$run, inserted through the fake-only POST /_fake/keys because no LiteLLM
# endpoint lets a client back-date an expiry):
#   - bad input: one line naming the variable, and not one request to the proxy
#   - --check: the JSON report of what would go, no mutating request, every key still there
#   - the sweep_max_delete guard: stops before deleting and says so, report written
#   - a real sweep (expired_for + active guids) with a CSV report: exactly the leaked keys are gone,
#     active labs and keys outside the collection's alias formats are untouched, one delete request
#     for the batch, one list page per 100 keys
#   - the same sweep again selects nothing
set -euo pipefail
h="python3 $(pwd)/helper.py"
run="sw$(date +%s)$$"
pb="rhpds.litellm_virtual_keys.sweep_keys"
inv=../../inventory
rep="$TARGET_TMP/reports"; mkdir -p "$rep"
common=(-i "$inv" -e "litellm_url=$LITELLM_URL/v1/" -e "sweep_alias_prefix=virtkey-$run")
fail() { echo "FAIL: $*"; exit 1; }

$h seed "$run"
all="lab-$run-app virtkey-${run}a virtkey-${run}b-user1 virtkey-${run}b-user2 virtkey-${run}c virtkey-${run}d virtkey-${run}e virtkey-${run}f-"
[ "$($h aliases "$run")" = "$all" ] || fail "seeding: $($h aliases "$run")"

# --- bad input: one clear line each, no request --------------------------------------------------
expect_error() { # expect_error WHAT EXPECTED-SUBSTRING ansible-playbook-args...
  local what=$1 want=$2; shift 2
  local before out
  before=$($h count)
  out="$TARGET_TMP/bad.log"
  if ansible-playbook "${common[@]}" "$pb" "$@" >"$out" 2>&1; then cat "$out"; fail "$what: the sweep did not fail"; fi
  grep -qF -- "$want" "$out" || { tail -20 "$out"; fail "$what: message lacks '$want'"; }
  grep -q '"msg": "sweep_keys: ' "$out" || { tail -20 "$out"; fail "$what: not the sweep's own message"; }
  [ "$($h count)" = "$before" ] || fail "$what: requests were sent"
  echo "ok: $what"
}
# Every problem of a run is reported, in one line.
expect_error "empty prefix, bad duration, active guids not a list, no report dir, max_delete" \
  "sweep_alias_prefix is empty: it would select every key on the proxy" \
  -e sweep_alias_prefix= -e "sweep_expired_for='a week'" -e sweep_active_guids=abc12 -e sweep_max_delete=lots \
  -e "sweep_report_file=$TARGET_TMP/no/such/dir/r.json"
for want in 'sweep_expired_for \"a week\" is not a duration' "sweep_active_guids must be a list of guids" \
            "no/such/dir does not exist" "sweep_max_delete must be a whole number"; do
  grep -qF -- "$want" "$TARGET_TMP/bad.log" || fail "the joined message lacks '$want'"
done
expect_error "too-short prefix, report format, empty active guids" 'sweep_alias_prefix \"virt\" is too short' \
  -e sweep_alias_prefix=virt -e sweep_expired_for=7d -e "sweep_report_file=$rep/r.txt" -e '{"sweep_active_guids": []}'
grep -qF "must end with .json or .csv" "$TARGET_TMP/bad.log" || fail "report format not reported"
grep -qF "sweep_active_guids is empty: that would delete every key under the prefix" "$TARGET_TMP/bad.log" || fail "empty active guids not reported"
expect_error "foreign prefix, no criterion" "does not start the alias format of this collection" -e sweep_alias_prefix=lab-
grep -qF "give sweep_expired_for" "$TARGET_TMP/bad.log" || fail "missing criterion not reported"
LITELLM_MASTER_KEY='' expect_error "active guids a mapping, no master key" "sweep_active_guids must be a list of guids" \
  -e '{"sweep_active_guids": {"abc12": 1}}'
grep -qF "litellm_master_key is required" "$TARGET_TMP/bad.log" || fail "missing master key not reported"

# --- check mode: the report, no mutating request -------------------------------------------------
before=$($h count)
ansible-playbook "${common[@]}" "$pb" --check -vvvv -e sweep_expired_for=7d -e "sweep_report_file=$rep/check.json" >"$TARGET_TMP/check.log" 2>&1 \
  || { tail -40 "$TARGET_TMP/check.log"; fail "check-mode sweep failed"; }
[ -z "$($h writes "$before")" ] || fail "check mode sent mutating requests: $($h writes "$before")"
[ "$($h aliases "$run")" = "$all" ] || fail "check mode deleted keys"
grep -q "would delete 4," "$TARGET_TMP/check.log" || { grep -A3 Summary "$TARGET_TMP/check.log"; fail "check-mode summary"; }
python3 - "$rep/check.json" "$run" <<'PY'
import json, sys
r, run = json.load(open(sys.argv[1])), sys.argv[2]
assert r["check_mode"] is True, r["check_mode"]
got = sorted(k["key_alias"] for k in r["keys"])
want = [f"virtkey-{run}a", f"virtkey-{run}b-user1", f"virtkey-{run}b-user2", f"virtkey-{run}e"]
assert got == want, got
assert {k["result"] for k in r["keys"]} == {"would delete"}, r["keys"]
a = next(k for k in r["keys"] if k["key_alias"] == f"virtkey-{run}a")
assert a["spend"] == 1.5 and a["guid"] == f"{run}a" and len(a["token"]) == 64 and "expired" in a["reason"], a
b = next(k for k in r["keys"] if k["key_alias"] == f"virtkey-{run}b-user1")
assert b["guid"] == f"{run}b", b  # from the alias: no metadata guid
t = r["totals"]
assert t["selected"] == 4 and t["deleted"] == 4 and t["failed"] == 0 and abs(t["spend"] - 1.75) < 1e-9, t
assert r["api_requests"]["list"] == -(-t["scanned"] // 100), (r["api_requests"], t["scanned"])  # pages = ceil(N/100)
assert r["criteria"] == {"alias_prefix": f"virtkey-{run}", "expired_for": "7d", "active_guids": None,
                         "max_delete": 500, "force_db_delete": False}, r["criteria"]
print("check-mode report ok")
PY

# --- the sweep_max_delete guard -------------------------------------------------------------------
before=$($h count)
ansible-playbook "${common[@]}" "$pb" -e sweep_expired_for=7d -e sweep_max_delete=3 -e "sweep_report_file=$rep/guard.json" \
  >"$TARGET_TMP/guard.log" 2>&1 && fail "the guard did not stop the sweep"
grep -qF "4 keys selected, more than sweep_max_delete (3): nothing was deleted" "$TARGET_TMP/guard.log" || { tail -20 "$TARGET_TMP/guard.log"; fail "guard message"; }
[ -z "$($h writes "$before")" ] || fail "the guard let requests through: $($h writes "$before")"
[ "$($h aliases "$run")" = "$all" ] || fail "the guard deleted keys"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); assert {k["result"] for k in r["keys"]} == {"not deleted: more than sweep_max_delete selected"}, r["keys"]' "$rep/guard.json"

# --- the real sweep: expired for 7 days, or of a lab that is not active ---------------------------
before=$($h count)
ansible-playbook "${common[@]}" "$pb" -e sweep_expired_for=7d -e "{\"sweep_active_guids\": [\"${run}c\", \"${run}e\"]}" \
  -e "sweep_report_file=$rep/sweep.csv" >"$TARGET_TMP/sweep.log" 2>&1 || { tail -40 "$TARGET_TMP/sweep.log"; fail "the sweep failed"; }
remaining="lab-$run-app virtkey-${run}c virtkey-${run}e virtkey-${run}f-"
[ "$($h aliases "$run")" = "$remaining" ] || fail "after the sweep: $($h aliases "$run")"
[ "$($h writes "$before")" = "POST:/key/delete" ] || fail "want one delete request for the batch, got: $($h writes "$before")"
grep -q "deleted 4, already gone 0, failed 0" "$TARGET_TMP/sweep.log" || { grep -A3 Summary "$TARGET_TMP/sweep.log"; fail "summary"; }
python3 - "$rep/sweep.csv" "$run" <<'PY'
import csv, sys
rows, run = list(csv.DictReader(open(sys.argv[1]))), sys.argv[2]
assert [r["key_alias"] for r in rows] == [f"virtkey-{run}a", f"virtkey-{run}b-user1", f"virtkey-{run}b-user2", f"virtkey-{run}d"], rows
assert {r["result"] for r in rows} == {"deleted"}, rows
d = next(r for r in rows if r["key_alias"] == f"virtkey-{run}d")
assert d["reason"] == f"guid {run}d is not active" and d["expires"] == "" and d["spend"] == "0", d
print("CSV report ok")
PY

# --- again: nothing left to sweep -----------------------------------------------------------------
before=$($h count)
ansible-playbook "${common[@]}" "$pb" -e sweep_expired_for=7d -e "{\"sweep_active_guids\": [\"${run}c\", \"${run}e\"]}" \
  >"$TARGET_TMP/again.log" 2>&1 || { tail -30 "$TARGET_TMP/again.log"; fail "the second sweep failed"; }
grep -q "selected 0 (spend 0 USD), deleted 0" "$TARGET_TMP/again.log" || { grep -A3 Summary "$TARGET_TMP/again.log"; fail "second summary"; }
[ -z "$($h writes "$before")" ] || fail "the second sweep sent mutating requests"
[ "$($h aliases "$run")" = "$remaining" ] || fail "the second sweep changed keys"
# The master key never appears: not in any output (the preview ran at -vvvv), not in a report.
if grep -rqF -- "$LITELLM_MASTER_KEY" "$TARGET_TMP"; then fail "the master key appears in $(grep -rlF -- "$LITELLM_MASTER_KEY" "$TARGET_TMP")"; fi
grep -q '"api_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$TARGET_TMP/check.log" || fail "api_key not shown masked at -vvvv: the scan proves nothing"
echo "sweep_keys: ok"
