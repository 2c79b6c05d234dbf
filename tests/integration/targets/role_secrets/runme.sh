#!/usr/bin/env bash
# A full provision, re-provision (known keys), multi-user provision, force delete in PostgreSQL
# and three failures (wrong master key, unreachable database with a password, unreachable proxy)
# at -vvvv: the complete output and every file written must contain none of the secrets — the
# master key, the database URL and its password, the derivation secret, the wrong master key and
# the unreachable database's password. This script never prints a secret itself.
set -uo pipefail
: "${LITELLM_PG_URL:?role_secrets needs the PostgreSQL-backed fake (LITELLM_PG_URL)}"
: "${TEST_DATABASE_URL:?role_secrets needs TEST_DATABASE_URL}"
out="$TARGET_TMP/vvvv.log"
rnd() { head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n'; }
LVK_DERIVE="derive-$(rnd)"; LVK_BAD_PW="badpw$(rnd)"; LVK_WRONG_KEY="sk-wrong-$(rnd)"
export LVK_DERIVE LVK_BAD_PW LVK_WRONG_KEY
export LVK_BAD_DSN="postgresql://litellm:${LVK_BAD_PW}@127.0.0.1:9/litellm?connect_timeout=2"
db_password=$(python3 -c 'import sys, urllib.parse as u; print(u.urlsplit(sys.argv[1]).password or "")' "$TEST_DATABASE_URL")
[ -n "$db_password" ] || { echo "TEST_DATABASE_URL has no password: nothing to prove" >&2; exit 1; }

ansible-playbook -vvvv -i ../../inventory secrets.yml >"$out" 2>&1
rc=$?
tail -n 25 "$out" | grep -v -F -e "$LITELLM_MASTER_KEY" -e "$db_password" -e "$LVK_DERIVE" -e "$LVK_BAD_PW" -e "$LVK_WRONG_KEY"
[ $rc = 0 ] || { echo "secrets.yml failed (rc=$rc)"; exit 1; }

leaks=0
check() {  # NAME VALUE: VALUE must appear in no output and no file written
  if grep -rqF -- "$2" "$out" "$TARGET_TMP"/files; then echo "LEAK: the $1 appears in the output or a written file"; leaks=1
  else echo "ok: no $1 in $(wc -l <"$out") lines of -vvvv output and $(find "$TARGET_TMP"/files -type f | wc -l) files"; fi
}
check "master key" "$LITELLM_MASTER_KEY"
check "database URL" "$TEST_DATABASE_URL"
check "database password" "$db_password"
check "derivation secret" "$LVK_DERIVE"
check "wrong master key" "$LVK_WRONG_KEY"
check "unreachable database's password" "$LVK_BAD_PW"
# the scan must have seen the runs it claims to have seen
for marker in '2 created (virtkey-' 'deleted_via": "database' 'the proxy rejected the master key' 'database'; do
  grep -qF -- "$marker" "$out" || { echo "expected output missing: $marker"; leaks=1; }
done
exit $leaks
