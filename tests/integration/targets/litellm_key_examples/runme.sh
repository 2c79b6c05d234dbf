#!/usr/bin/env bash
# The EXAMPLES of litellm_key's documentation run as written: they are extracted from the installed
# collection's sidecar, wrapped in one play whose variables point at the in-memory fake, and run
# twice - the second run must pass too (idempotent creates, deletes of missing keys).
set -euo pipefail
coll="$ANSIBLE_COLLECTIONS_PATH/ansible_collections/rhpds/litellm_virtual_keys"
play="$TARGET_TMP/examples.yml"
# The play's variables point at the fake (JSON; the lookups run when the play does).
vars=$(cat <<'JSON'
{
  "litellm_url": "{{ lookup('env', 'LITELLM_URL') }}",
  "litellm_master_key": "{{ lookup('env', 'LITELLM_MASTER_KEY') }}",
  "guid": "{{ lookup('env', 'EXAMPLES_GUID') }}",
  "litellm_derivation_secret": "{{ lookup('env', 'EXAMPLES_DERIVATION_SECRET') }}",
  "litellm_database_url": "{{ lookup('env', 'EXAMPLES_DATABASE_URL') }}"
}
JSON
)
python3 "$REPO_ROOT/tests/scripts/examples-play.py" "$coll/plugins/modules/litellm_key.yml" "$play" "$vars"
EXAMPLES_GUID="ex$(date +%s)$$"
EXAMPLES_DERIVATION_SECRET="deriv-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export EXAMPLES_GUID EXAMPLES_DERIVATION_SECRET
# The API deletes succeed against the fake, so the database is never contacted; any URL will do.
export EXAMPLES_DATABASE_URL="${TEST_DATABASE_URL:-postgresql://unused:unused@127.0.0.1:1/unused}"
for run in 1 2; do
  out="$TARGET_TMP/run$run.log"
  ansible-playbook -i ../../inventory "$play" >"$out" 2>&1 || { tail -60 "$out"; echo "EXAMPLES failed (run $run)"; exit 1; }
  for s in "$EXAMPLES_DERIVATION_SECRET" "$EXAMPLES_DATABASE_URL"; do
    if grep -qF "$s" "$out"; then echo "a secret appears in the output of the EXAMPLES (run $run)"; exit 1; fi
  done
done
echo "litellm_key_examples: ok"
