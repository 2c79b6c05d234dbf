#!/usr/bin/env bash
# make bench: the figures quoted in the README's development section, reproducible by anyone.
#   1. Go benchmarks (fake server throughput, request counts and bulk provisioning of the module)
#   2. wall time of ansible-playbook runs of the role (bench/role.sh, hyperfine when available)
#   3. the module binaries: size per platform and of the tarball, start-up time (bench/binary.sh)
set -euo pipefail
cd "$(dirname "$0")/../.."
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false
echo "== Go benchmarks"
(cd go && go test -run '^$' -bench . -benchtime "${BENCHTIME:-1s}" ./internal/fakeserver/ ./internal/litellm/ ./internal/virtualkey/)
echo
echo "== ansible-playbook wall time (role)"
make --no-print-directory dist fake >/dev/null
tests/scripts/with-collection.sh bench/role.sh
echo
echo "== litellm_key_info and the sweep over 20,000 keys (Go, module against the fake; cpu-s/op is load-independent)"
(cd go && go test -run '^$' -bench 'KeyInfo20000|Sweep2000of20000' -benchtime "${BENCHTIME_SWEEP:-3x}" ./internal/keyinfo/)
echo
echo "== ansible-playbook wall time (litellm_key_info, playbooks/sweep_keys.yml)"
tests/scripts/with-collection.sh bench/sweep.sh
echo
echo "== module binaries: sizes and start-up"
bench/binary.sh
