#!/usr/bin/env bash
# Installs what `make test` / `make lint` / `make demo` need when it is missing, from Debian's
# packages: ansible-core (--no-install-recommends keeps Debian's community `ansible` bundle out, so a
# missing collection dependency cannot hide), ansible-lint, and the tools ansible-test's sanity tests
# run offline (shellcheck, pylint, yamllint, pycodestyle, python3-voluptuous; python3-venv for their
# environments). PostgreSQL is installed on demand by postgres.sh; ansible-core 2.19 for the
# compatibility run by ansible-core-next.sh (into a cache, not the system).
set -euo pipefail
missing=()
have() { command -v "$1" >/dev/null 2>&1; }
pymod() { /usr/bin/python3 -c "import $1" >/dev/null 2>&1; }
{ have ansible-playbook && have ansible-galaxy; } || missing+=(ansible-core)
have ansible-lint || missing+=(ansible-lint)
have shellcheck || missing+=(shellcheck)
have yamllint || missing+=(yamllint)
pymod pylint || missing+=(pylint)
pymod pycodestyle || missing+=(python3-pycodestyle)
pymod voluptuous || missing+=(python3-voluptuous)
pymod ensurepip || missing+=(python3-venv)
[ ${#missing[@]} = 0 ] && exit 0
if [ "$(id -u)" != 0 ] || ! have apt-get; then
  echo "missing: ${missing[*]}: install them (Debian/Ubuntu: apt-get install --no-install-recommends ${missing[*]})" >&2
  exit 1
fi
echo "deps: installing ${missing[*]} from Debian packages" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
ansible-playbook --version | sed -n 1p >&2
