#!/usr/bin/env bash
# The EXAMPLES of litellm_lab_keys's documentation run as written: they are extracted from the
# installed collection's sidecar, wrapped in one play whose variables point at the in-memory fake,
# and run twice. The second run must pass too and report the same key (its secret is read back from
# the user data the first run wrote); the destroy of the 20-user lab deletes 20 keys, then none.
set -euo pipefail
coll="$ANSIBLE_COLLECTIONS_PATH/ansible_collections/rhpds/litellm_virtual_keys"
play="$TARGET_TMP/examples.yml"
# The play's variables point at the fake (JSON; the lookups run when the play does).
vars=$(cat <<'JSON'
{
  "litellm_url": "{{ lookup('env', 'LITELLM_URL') }}",
  "litellm_master_key": "{{ lookup('env', 'LITELLM_MASTER_KEY') }}",
  "guid": "{{ lookup('env', 'EXAMPLES_GUID') }}",
  "output_dir": "{{ lookup('env', 'TARGET_TMP') }}/output"
}
JSON
)
python3 "$REPO_ROOT/tests/scripts/examples-play.py" "$coll/plugins/modules/litellm_lab_keys.yml" "$play" "$vars"
EXAMPLES_GUID="lx$(date +%s)$$"
export EXAMPLES_GUID
for run in 1 2; do
  out="$TARGET_TMP/run$run.log"
  ansible-playbook -i ../../inventory "$play" >"$out" 2>&1 || { tail -60 "$out"; echo "EXAMPLES failed (run $run)"; exit 1; }
done
want() { grep -qF -- "$2" "$TARGET_TMP/run$1.log" || { grep -F "virtual keys of" "$TARGET_TMP/run$1.log"; echo "run $1 lacks: $2"; exit 1; }; }
want 1 "LiteLLM virtual keys of $EXAMPLES_GUID: 1 created (virtkey-$EXAMPLES_GUID)"
want 2 "LiteLLM virtual keys of $EXAMPLES_GUID: 1 unchanged (virtkey-$EXAMPLES_GUID)"
for run in 1 2; do
  want $run "LiteLLM virtual keys of $EXAMPLES_GUID-ws: 20 deleted (virtkey-$EXAMPLES_GUID-ws-user1..user20); spend 0.0 USD"
done
# The key of run 1 is the key of run 2: the same secret in both runs' messages.
keys=$(grep -ho 'LiteLLM Virtual Key: sk-[A-Za-z0-9_-]*' "$TARGET_TMP"/run1.log "$TARGET_TMP"/run2.log | sort -u | wc -l)
[ "$keys" = 1 ] || { echo "the two runs showed $keys different keys, want 1"; exit 1; }
echo "litellm_lab_keys_examples: ok"
