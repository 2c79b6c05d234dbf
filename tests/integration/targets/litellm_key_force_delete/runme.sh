#!/usr/bin/env bash
# force_db_delete against the PostgreSQL-backed fake and its real database: a delete that answers 200
# but deletes nothing, and the JWT-mapping foreign key of older releases, are both finished in
# PostgreSQL and verified gone (through the API and with psql). The playbook runs with -vvvv, and its
# complete output must contain neither the master key, nor the database URL or its password, nor the
# derivation secret - while showing that masking happened.
set -euo pipefail
: "${LITELLM_PG_URL:?the PostgreSQL-backed fake is required (make test starts it)}"
: "${TEST_DATABASE_URL:?TEST_DATABASE_URL is required (make test sets it)}"
FORCE_GUID="fd$(date +%s)$$"
FORCE_DERIVATION_SECRET="deriv-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export FORCE_GUID FORCE_DERIVATION_SECRET
db_password=$(python3 -c 'import sys, urllib.parse; print(urllib.parse.urlsplit(sys.argv[1]).password or "")' "$TEST_DATABASE_URL")
[ -n "$db_password" ] || { echo "TEST_DATABASE_URL has no password: the secret scan would prove nothing"; exit 1; }

out="$TARGET_TMP/vvvv.log"
ansible-playbook -i ../../inventory -vvvv main.yml >"$out" 2>&1 || { grep -v -F -e "$db_password" "$out" | tail -80; exit 1; }
for s in "$LITELLM_MASTER_KEY" "$TEST_DATABASE_URL" "$db_password" "$FORCE_DERIVATION_SECRET"; do
  if grep -qF -- "$s" "$out"; then echo "a secret appears in the -vvvv output"; exit 1; fi
done
grep -q '"database_url": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$out" || { echo "database_url not shown masked in invocation: the scan proves nothing"; exit 1; }
grep -q '"key_derivation_secret": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$out" || { echo "key_derivation_secret not shown masked"; exit 1; }
grep -q '"deleted_via": "database"' "$out" || { echo "no database delete in the output"; exit 1; }
echo "litellm_key_force_delete: ok"
