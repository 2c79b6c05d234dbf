#!/usr/bin/env bash
# The seed's example playbook (README "Example playbook"), copied word for word into
# playbook.yml, run the way the seed documents it: provision, then "Delete a Key" with
# -e ACTION=destroy. Both end green; after the destroy the facts the playbook shows are defined
# (the endpoint, the deleted key's models, an empty key). playbook.yml must stay identical to the
# README's block (checked here).
set -euo pipefail
inv=../../inventory
fail() { echo "FAIL: $*"; exit 1; }
readme=$(awk '/^## Example playbook/{f=1} f&&/^```yaml$/{p=1; next} p&&/^```$/{exit} p' "$REPO_ROOT/README.md")
[ "$readme" = "$(cat playbook.yml)" ] || fail "playbook.yml differs from the README's example playbook"

export GUID="seed$RANDOM$RANDOM"
out="$TARGET_TMP/out"
run() { ansible-playbook -i "$inv" playbook.yml -e "litellm_url=$LITELLM_URL" -e "output_dir=$out" "$@"; }

run >"$TARGET_TMP/provision.log" 2>&1 || { tail -30 "$TARGET_TMP/provision.log"; fail "provision"; }
key=$(sed -n 's/^litellm_virtual_key: "\(.*\)"$/\1/p' "$out/provision-user-data.yaml")
[[ "$key" == sk-* ]] || fail "no key in the user data"
grep -qF "\"Your AI API Key: $key\"" "$TARGET_TMP/provision.log" || fail "provision did not show the key"
grep -qF "\"API Endpoint: $LITELLM_URL/v1\"" "$TARGET_TMP/provision.log" || fail "provision did not show the endpoint"
echo "ok: provision shows the key, the endpoint and the models"

run -e ACTION=destroy >"$TARGET_TMP/destroy.log" 2>&1 || { tail -30 "$TARGET_TMP/destroy.log"; fail "destroy"; }
grep -qF "LiteLLM virtual keys of $GUID: 1 deleted (virtkey-$GUID)" "$TARGET_TMP/destroy.log" || fail "destroy summary"
grep -qF '"Your AI API Key: "' "$TARGET_TMP/destroy.log" || fail "destroy did not show an empty key"
grep -qF "\"API Endpoint: $LITELLM_URL/v1\"" "$TARGET_TMP/destroy.log" || fail "destroy did not show the endpoint"
grep -qF '"Models: openai/granite-3-2-8b-instruct, openai/mistral-7b-instruct"' "$TARGET_TMP/destroy.log" \
  || fail "destroy did not show the deleted key's models"
! grep -qF -- "$key" "$TARGET_TMP/destroy.log" || fail "destroy printed the deleted key"
echo "ok: destroy green, the example's facts defined"

run -e ACTION=destroy >"$TARGET_TMP/again.log" 2>&1 || { tail -30 "$TARGET_TMP/again.log"; fail "second destroy"; }
grep -qF "LiteLLM virtual keys of $GUID: 1 already gone (virtkey-$GUID)" "$TARGET_TMP/again.log" || fail "second destroy summary"
grep -qF '"Models: "' "$TARGET_TMP/again.log" || fail "second destroy: models of a missing key"
echo "ok: destroy of a missing key green"
