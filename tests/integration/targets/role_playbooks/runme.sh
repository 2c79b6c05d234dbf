#!/usr/bin/env bash
# The ready-to-run playbooks as users run them: tests/test_provision.yml and tests/test_destroy.yml
# (they assert themselves), playbooks/extend_key.yml (new duration and a later expiry in the
# user data; a missing key is refused, never created), provision_key/destroy_key for 2 users.
set -euo pipefail
inv=../../inventory
guid="rpb$RANDOM$RANDOM"
out="$TARGET_TMP/out"
data="$out/provision-user-data.yaml"
field() { sed -n "s/^$1: \"\\(.*\\)\"\$/\\1/p" "$data"; }
fail() { echo "FAIL: $*"; exit 1; }

ansible-playbook -i "$inv" ../../../test_provision.yml -e "litellm_url=$LITELLM_URL" -e "guid=$guid" -e "output_dir=$out"

expires_before=$(field litellm_key_expires)
ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.extend_key -e "litellm_url=$LITELLM_URL" -e "guid=$guid" \
  -e "output_dir=$out" -e litellm_extend_duration=60d
[ "$(field litellm_key_duration)" = 60d ] || fail "duration after extend: $(field litellm_key_duration)"
[[ "$(field litellm_key_expires)" > "$expires_before" ]] || fail "expiry not moved: $expires_before -> $(field litellm_key_expires)"
grep -qF '"LiteLLM Virtual Key extended to 60d"' "$out/provision-user-info.yaml" || fail "no extend message"
echo "ok: extended $expires_before -> $(field litellm_key_expires)"

if ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.extend_key -e "litellm_url=$LITELLM_URL" -e "guid=${guid}-nokey" \
     -e "output_dir=$TARGET_TMP/nokey" >"$TARGET_TMP/nokey.log" 2>&1; then
  fail "extend of a missing key succeeded"
fi
grep -qF "nothing to extend: no LiteLLM key named virtkey-${guid}-nokey" "$TARGET_TMP/nokey.log" || { tail -20 "$TARGET_TMP/nokey.log"; fail "unclear failure"; }
echo "ok: extend of a missing key refused"

ansible-playbook -i "$inv" ../../../test_destroy.yml -e "litellm_url=$LITELLM_URL" -e "guid=$guid" -e "output_dir=$out"

ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.provision_key -e "litellm_url=$LITELLM_URL" -e "guid=${guid}m" \
  -e num_users=2 -e subscription_package=lab-dev -e "output_dir=$TARGET_TMP/multi"
grep -q '^  user2:' "$TARGET_TMP/multi/provision-user-data.yaml" || fail "no users.user2 in the multi-user data"
ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.extend_key -e "litellm_url=$LITELLM_URL" -e "guid=${guid}m" \
  -e num_users=2 -e "output_dir=$TARGET_TMP/multi" -e '{"agnosticd_user_info": {"runtime": 48}}'
grep -q '^litellm_key_duration: "48h"' "$TARGET_TMP/multi/provision-user-data.yaml" || fail "runtime not used as duration"
ansible-playbook -i "$inv" rhpds.litellm_virtual_keys.destroy_key -e "litellm_url=$LITELLM_URL" -e "guid=${guid}m" -e num_users=2 -e "output_dir=$TARGET_TMP/multi" \
  >"$TARGET_TMP/destroy.log"
grep -qF "LiteLLM virtual keys of ${guid}m: 2 deleted (virtkey-${guid}m-user1..user2)" "$TARGET_TMP/destroy.log" || { tail -30 "$TARGET_TMP/destroy.log"; fail "multi-user destroy"; }
echo "ok: multi-user provision, extend (runtime 48h), destroy"
