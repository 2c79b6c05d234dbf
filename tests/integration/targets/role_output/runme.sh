#!/usr/bin/env bash
# What a lab author reads. A 50-user provision and destroy at default verbosity: at most 60 lines
# each, a summary with the counts and the aliases as one range, and not one virtual key (they are
# in the user data; -v shows the per-key records). A single-user provision shows its key only in
# the user-info messages, as AgnosticD does. Check mode says "would be" and changes nothing.
set -euo pipefail
inv=../../inventory
fail() { echo "FAIL: $*"; exit 1; }
g="out$RANDOM$RANDOM"
prov() { ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.provision_key -e "litellm_url=$LITELLM_URL" "$@"; }
dest() { ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.destroy_key -e "litellm_url=$LITELLM_URL" "$@"; }
lines() { wc -l <"$1"; }
keys_in() { grep -o 'sk-[A-Za-z0-9_-]\{16,\}' "$1" | grep -vxF "$LITELLM_MASTER_KEY" | sort -u | wc -l || true; }
m="$TARGET_TMP/multi"

# --- check mode first: nothing exists yet, nothing is created or written
prov -e "guid=$g" -e num_users=50 -e "output_dir=$m" --check >"$TARGET_TMP/check.log" 2>&1 || { tail -30 "$TARGET_TMP/check.log"; fail "check-mode provision"; }
grep -qF "LiteLLM virtual keys of $g: 50 would be created (virtkey-$g-user1..user50)" "$TARGET_TMP/check.log" || { tail -20 "$TARGET_TMP/check.log"; fail "check-mode provision summary"; }
[ ! -e "$m/provision-user-data.yaml" ] || fail "check mode wrote the user data"
echo "ok: check-mode provision says 'would be created' and writes nothing"

# --- 50 users: provision, re-provision with -v, destroy
prov -e "guid=$g" -e num_users=50 -e "output_dir=$m" >"$TARGET_TMP/provision.log" 2>&1 || { tail -30 "$TARGET_TMP/provision.log"; fail "provision"; }
n=$(lines "$TARGET_TMP/provision.log"); k=$(keys_in "$TARGET_TMP/provision.log")
grep -qF "LiteLLM virtual keys of $g: 50 created (virtkey-$g-user1..user50)" "$TARGET_TMP/provision.log" || fail "provision summary"
[ "$n" -le 60 ] || { cat "$TARGET_TMP/provision.log"; fail "50-user provision printed $n lines (at most 60)"; }
[ "$k" = 0 ] || fail "50-user provision printed $k virtual keys"
[ "$(grep -c 'virtual_key: "sk-' "$m/provision-user-data.yaml")" -ge 100 ] || fail "the keys are not in the user data"
echo "ok: 50-user provision: $n lines, $k keys in the output"

prov -v -e "guid=$g" -e num_users=50 -e "output_dir=$m" >"$TARGET_TMP/again.log" 2>&1 || { tail -30 "$TARGET_TMP/again.log"; fail "re-provision"; }
grep -qF "LiteLLM virtual keys of $g: 50 unchanged (virtkey-$g-user1..user50)" "$TARGET_TMP/again.log" || fail "re-provision summary"
[ "$(keys_in "$TARGET_TMP/again.log")" = 50 ] || fail "-v does not show the 50 per-key records"
echo "ok: re-provision unchanged; -v shows the per-key records"

dest -e "guid=$g" -e num_users=50 -e "output_dir=$m" --check >"$TARGET_TMP/dcheck.log" 2>&1 || { tail -30 "$TARGET_TMP/dcheck.log"; fail "check-mode destroy"; }
grep -qF "LiteLLM virtual keys of $g: 50 would be deleted (virtkey-$g-user1..user50)" "$TARGET_TMP/dcheck.log" || { tail -20 "$TARGET_TMP/dcheck.log"; fail "check-mode destroy summary"; }
echo "ok: check-mode destroy says 'would be deleted'"

# the lab's 50 keys and two that never existed: the summary names both ranges
dest -e "guid=$g" -e num_users=52 -e "output_dir=$m" >"$TARGET_TMP/destroy.log" 2>&1 || { tail -30 "$TARGET_TMP/destroy.log"; fail "destroy"; }
n=$(lines "$TARGET_TMP/destroy.log"); k=$(keys_in "$TARGET_TMP/destroy.log")
grep -qF "LiteLLM virtual keys of $g: 50 deleted (virtkey-$g-user1..user50), 2 already gone (virtkey-$g-user51..user52)" "$TARGET_TMP/destroy.log" \
  || { grep -F "virtual keys of" "$TARGET_TMP/destroy.log"; fail "destroy summary (did the check-mode destroy delete something?)"; }
[ "$n" -le 60 ] || { cat "$TARGET_TMP/destroy.log"; fail "50-user destroy printed $n lines (at most 60)"; }
[ "$k" = 0 ] || fail "50-user destroy printed $k virtual keys"
echo "ok: 50-user destroy: $n lines, $k keys in the output; both ranges named"

# --- single user: the key appears in the user-info messages and nowhere else
prov -e "guid=${g}s" -e "output_dir=$TARGET_TMP/single" >"$TARGET_TMP/single.log" 2>&1 || fail "single-user provision"
key=$(sed -n 's/^litellm_virtual_key: "\(.*\)"$/\1/p' "$TARGET_TMP/single/provision-user-data.yaml")
[ "$(grep -cF -- "$key" "$TARGET_TMP/single.log")" = 1 ] || { cat "$TARGET_TMP/single.log"; fail "the key should appear once"; }
grep -qF "\"user.info: LiteLLM Virtual Key: $key\"" "$TARGET_TMP/single.log" || fail "the key is not in the user-info message"
dest -e "guid=${g}s" -e "output_dir=$TARGET_TMP/single" >/dev/null 2>&1 || fail "single-user destroy"
echo "ok: single user: the key once, in the user-info messages"

# --- the user info cannot be written: the run fails, saying why in one readable line, no key shown
touch "$TARGET_TMP/not-a-dir"
if prov -e "guid=${g}f" -e num_users=3 -e "output_dir=$TARGET_TMP/not-a-dir" >"$TARGET_TMP/nowrite.log" 2>&1; then
  fail "provision into an output_dir that is a file should fail"
fi
grep -q "ocp4_workload_litellm_virtual_keys: publishing the user info failed: .*not-a-dir" "$TARGET_TMP/nowrite.log" \
  || { tail -20 "$TARGET_TMP/nowrite.log"; fail "the failure does not say the user info could not be written"; }
[ "$(keys_in "$TARGET_TMP/nowrite.log")" = 0 ] || fail "the failed run printed virtual keys"
touch "$TARGET_TMP/not-a-dir-d"
if dest -e "guid=${g}f" -e num_users=3 -e "output_dir=$TARGET_TMP/not-a-dir-d" >"$TARGET_TMP/nowrite-d.log" 2>&1; then
  fail "destroy into an output_dir that is a file should fail"
fi
grep -q "ocp4_workload_litellm_virtual_keys: recording the spend in the user data failed: .*not-a-dir-d" "$TARGET_TMP/nowrite-d.log" \
  || { tail -20 "$TARGET_TMP/nowrite-d.log"; fail "the destroy failure does not say the user data could not be written"; }
echo "ok: user info that cannot be written fails the run, saying so"
