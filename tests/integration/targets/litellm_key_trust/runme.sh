#!/usr/bin/env bash
# The trust boundary and the answers the module believes, through real ansible-playbook at -vvvv:
# redirects (the master key and new keys' secrets must not follow them), credentials in api_url,
# validate_certs typos, TLS to a plain-HTTP port, an HTML login page and empty 200s, a proxy with
# disable_custom_api_keys, one with MINIMUM_CUSTOM_KEY_LENGTH, the personal-key policy, and bad
# inputs that must fail before any POST, and a delete confirmed by the proxy whose verification
# fails (a success with a warning). Starts its own fakes with the new switches and a python
# server that is not a proxy. Nothing secret may appear in the output.
set -euo pipefail
: "${FAKE_LITELLM:?run me through tests/integration/run.sh}"
. ../../fakes.sh
url=   # set by start_fake
trap stop_fakes EXIT
start_fake "$TARGET_TMP" plain --request-log "$TARGET_TMP/plain.jsonl"; export TRUST_PLAIN=$url
start_fake "$TARGET_TMP" nocustom --disable-custom-keys --request-log "$TARGET_TMP/nocustom.jsonl"; export TRUST_NOCUSTOM=$url
start_fake "$TARGET_TMP" minlen --min-custom-key-length 16 --request-log "$TARGET_TMP/minlen.jsonl"; export TRUST_MINLEN=$url

python3 hostile.py "$TARGET_TMP/hostile.jsonl" >"$TARGET_TMP/hostile.out" 2>"$TARGET_TMP/hostile.err" &
fake_pids+=($!)
for _ in $(seq 1 100); do [ -s "$TARGET_TMP/hostile.out" ] && break; sleep 0.05; done
read -r TRUST_HOSTILE TRUST_TARGET <"$TARGET_TMP/hostile.out"
export TRUST_HOSTILE TRUST_TARGET TRUST_LOGS=$TARGET_TMP
TRUST_URL_PASSWORD="pw-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
TRUST_DB_PASSWORD="db-$(head -c 9 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export TRUST_URL_PASSWORD TRUST_DB_PASSWORD

out="$TARGET_TMP/vvvv.log"
ansible-playbook -i ../../inventory -vvvv main.yml >"$out" 2>&1 || { tail -80 "$out"; exit 1; }
for s in "$LITELLM_MASTER_KEY" "$TRUST_URL_PASSWORD" "$TRUST_DB_PASSWORD"; do
  if grep -qF -- "$s" "$out"; then echo "a secret appears in the -vvvv output:"; grep -nF -- "$s" "$out" | sed "s/$s/<SECRET>/g" | cut -c1-300 | head -5; exit 1; fi
done
grep -q 'api_url redirects to' "$out" || { echo "the redirect was not reported: the scan proves nothing"; exit 1; }
grep -q '"api_url": "http://\*\*\*\*\*\*\*\*@' "$out" || { echo "api_url with credentials not shown masked: the scan proves nothing"; exit 1; }
grep -q '"database_url": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$out" || { echo "database_url not shown masked"; exit 1; }
if grep -q '"server": "target"' "$TARGET_TMP/hostile.jsonl"; then echo "a request followed a redirect to another origin"; exit 1; fi
echo "litellm_key_trust: ok ($(wc -l <"$out") lines of -vvvv output scanned)"
