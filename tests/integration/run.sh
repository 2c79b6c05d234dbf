#!/usr/bin/env bash
# Integration runner: real ansible-playbook against the collection installed from the tarball.
# Run through tests/scripts/with-collection.sh (make test does). Starts two fake LiteLLM servers
# (in memory; PostgreSQL-backed when TEST_DATABASE_URL is set), runs every target under
# tests/integration/targets/ in order — `runme.sh` if present, else `main.yml` — and prints one
# line per target and a closing "N passed, M failed" line.
#   TARGETS="a b"   run only these targets
#   TARGET_TIMEOUT  seconds per target (default 300)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
: "${ANSIBLE_COLLECTIONS_PATH:?run me through tests/scripts/with-collection.sh}"
: "${FAKE_LITELLM:?run me through tests/scripts/with-collection.sh}"

work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-it.XXXXXX")
# shellcheck source=tests/integration/fakes.sh
. "$here/fakes.sh"
cleanup() {
  stop_fakes
  if [ "${KEEP_WORK:-}" = 1 ]; then echo "integration work dir kept: $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT

LITELLM_MASTER_KEY="sk-master-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export LITELLM_MASTER_KEY

export FAKE_REQUEST_LOG="$work/requests.jsonl"
start_fake "$work" memory --request-log "$FAKE_REQUEST_LOG"
export LITELLM_URL=$url
if [ -n "${TEST_DATABASE_URL:-}" ]; then
  start_fake "$work" postgres --database-url "$TEST_DATABASE_URL"
  export LITELLM_PG_URL=$url
fi

cd "$here" || exit 1
targets=${TARGETS:-$(ls targets)}
passed=0; failed=0; failed_names=()
for t in $targets; do
  dir="$here/targets/$t"
  [ -d "$dir" ] || { echo "no such target: $t" >&2; failed=$((failed+1)); failed_names+=("$t"); continue; }
  export TARGET_TMP="$work/tmp/$t"; mkdir -p "$TARGET_TMP"
  log="$work/$t.log"
  start=$(date +%s.%N)
  if [ -x "$dir/runme.sh" ]; then
    (cd "$dir" && timeout "${TARGET_TIMEOUT:-300}" ./runme.sh) >"$log" 2>&1
  else
    (cd "$dir" && timeout "${TARGET_TIMEOUT:-300}" ansible-playbook -i "$here/inventory" main.yml) >"$log" 2>&1
  fi
  rc=$?
  secs=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}')
  # The master key of the fakes must never reach any output, whatever the target did.
  if [ $rc = 0 ] && grep -qF "$LITELLM_MASTER_KEY" "$log"; then
    echo "  the master key appears in the output of $t" >>"$log"; rc=99
  fi
  if [ $rc = 0 ]; then
    passed=$((passed+1)); echo "PASS $t (${secs}s)"
  else
    failed=$((failed+1)); failed_names+=("$t"); echo "FAIL $t (rc=$rc, ${secs}s)"
    sed -e "s/$LITELLM_MASTER_KEY/<MASTER-KEY>/g" "$log" | tail -n 60 | sed 's/^/    /'
  fi
done
echo "integration: $passed passed, $failed failed${failed_names:+ (${failed_names[*]})}"
[ $failed = 0 ]
