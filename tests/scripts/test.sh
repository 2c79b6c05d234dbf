#!/usr/bin/env bash
# The whole suite, as `make test` runs it (and CI, through .ci/run):
#   1. lint: gofmt, go vet, YAML syntax
#   2. a throw-away PostgreSQL (unprivileged user, free port), stopped on exit
#   3. go test -race over every package, the PostgreSQL tests included (they fail, not skip,
#      when the database is missing: LITELLM_REQUIRE_POSTGRES=1)
#   4. every fuzz target, briefly (FUZZTIME, default 5000x: 5000 inputs each)
#   5. make dist (the release tarball, every platform), then the ansible-playbook integration
#      targets against the collection installed from that tarball
#   6. ansible-test sanity in the git tree and in the unpacked tarball (tests/scripts/sanity.sh)
#   7. a subset of the integration targets on ansible-core 2.19 from Debian trixie
#      (tests/scripts/ansible-core-next.sh; NEXT_TARGETS="..." to choose others)
#   8. make demo, as a new user runs it
# and last a line "N passed, M failed" summing Go tests, fuzz targets and integration targets.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck disable=SC2034  # the repository's absolute path, for sections that cd elsewhere
root=$(pwd)
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-test.XXXXXX")
cleanup() {
  tests/scripts/postgres.sh stop "$work/pg" >/dev/null 2>&1
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

passed=0; failed=0
section() { printf '\n== %s\n' "$*"; }

section "lint"
if make --no-print-directory lint; then passed=$((passed+1)); else failed=$((failed+1)); echo "FAIL lint"; fi

section "PostgreSQL"
if ! tests/scripts/postgres.sh start "$work/pg"; then
  echo "FAIL: could not start PostgreSQL"; echo "0 passed, 1 failed"; exit 1
fi
TEST_DATABASE_URL=$(cat "$work/pg/database_url")
export TEST_DATABASE_URL LITELLM_REQUIRE_POSTGRES=1

section "go test -race ./..."
golog="$work/gotest.log"
(cd go && go test -race -count=1 -v -timeout 8m ./...) >"$golog" 2>&1
gorc=$?
grep -E '^(ok|FAIL|---|panic:|\?)\s' "$golog" | grep -v -E '^--- (PASS|SKIP)' | grep -v -E '^\?\s' | sed 's/^/  /'
gopass=$(grep -c -E '^--- PASS' "$golog"); gofail=$(grep -c -E '^--- FAIL' "$golog")
goskip=$(grep -c -E '^--- SKIP' "$golog")
if [ $gorc != 0 ] && [ "$gofail" = 0 ]; then gofail=1; fi   # build failure or panic
if [ "$gofail" != 0 ]; then
  echo "  failures:"; grep -E -B2 -A25 '^\s*--- FAIL|^panic:|\[build failed\]|^FAIL\s' "$golog" | head -200 | sed 's/^/    /'
fi
echo "go test: $gopass passed, $gofail failed, $goskip skipped"
passed=$((passed+gopass)); failed=$((failed+gofail))

# A count, not a duration: with a duration Go's fuzz coordinator can fail a target with "context
# deadline exceeded" when the deadline races a busy worker (go.dev/issue/75804), found nothing.
section "fuzz (${FUZZTIME:=5000x} each)"
while read -r pkg fn; do
  [ -n "$fn" ] || continue
  if (cd go && go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$FUZZTIME" "$pkg") >"$work/fuzz.log" 2>&1; then
    passed=$((passed+1)); echo "  PASS $fn ($pkg)"
  else
    failed=$((failed+1)); echo "  FAIL $fn ($pkg)"; tail -30 "$work/fuzz.log" | sed 's/^/    /'
  fi
done < <(cd go && go test -list '^Fuzz' ./... 2>/dev/null | awk '/^Fuzz/{f[n++]=$1} /^ok/{for(i=0;i<n;i++) print $2, f[i]; n=0}')

section "collection tarball + integration (ansible-playbook)"
if make --no-print-directory dist fake >"$work/dist.log" 2>&1; then
  itlog="$work/integration.log"
  tests/scripts/with-collection.sh tests/integration/run.sh 2>&1 | tee "$itlog"
  ip=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$itlog" | tail -1)
  ifail=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$itlog" | tail -1)
  [ -n "$ip" ] || { ip=0; ifail=1; echo "integration runner did not finish"; }
  passed=$((passed+ip)); failed=$((failed+ifail))
else
  cat "$work/dist.log"; failed=$((failed+1)); echo "FAIL make dist"
fi

section "ansible-test sanity (git tree, then the release tarball)"
tarball="dist/rhpds-litellm_virtual_keys-$(sed -n 's/^version: *//p' galaxy.yml).tar.gz"
if tests/scripts/sanity.sh; then passed=$((passed+1)); else failed=$((failed+1)); fi
if [ ! -f "$tarball" ]; then failed=$((failed+1)); echo "FAIL sanity: no $tarball"
elif tests/scripts/sanity.sh "$tarball"; then passed=$((passed+1)); else failed=$((failed+1)); fi

section "ansible-core 2.19 (Debian trixie): ${NEXT_TARGETS:=role_lifecycle role_multi_user role_packages user_info_files user_info_lookup litellm_key_examples}"
if [ -f "$tarball" ] && tests/scripts/ansible-core-next.sh >"$work/next.log" 2>&1; then
  sed 's/^/  /' "$work/next.log"
  nextlog="$work/integration-next.log"
  TARGETS="$NEXT_TARGETS" tests/scripts/ansible-core-next.sh tests/scripts/with-collection.sh tests/integration/run.sh 2>&1 | tee "$nextlog" | sed 's/^/  2.19: /'
  np=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\1/p' "$nextlog" | tail -1)
  nf=$(sed -n 's/^integration: \([0-9]*\) passed, \([0-9]*\) failed.*/\2/p' "$nextlog" | tail -1)
  [ -n "$np" ] || { np=0; nf=1; echo "integration runner (2.19) did not finish"; }
  passed=$((passed+np)); failed=$((failed+nf))
  # meta/runtime.yml's requires_ansible must hold the 2.19 just tested
  if tests/scripts/ansible-core-next.sh /usr/bin/python3 tests/scripts/metadata_check.py; then passed=$((passed+1)); else failed=$((failed+1)); fi
else
  cat "$work/next.log" 2>/dev/null; failed=$((failed+1)); echo "FAIL ansible-core 2.19 setup"
fi

echo
section "make demo (what the README tells a new user to run; last: it rebuilds the tarball for this platform only)"
if make --no-print-directory demo >"$work/demo.log" 2>&1; then passed=$((passed+1)); echo "PASS make demo"
else failed=$((failed+1)); echo "FAIL make demo"; tail -30 "$work/demo.log" | sed 's/^/    /'; fi

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
