#!/usr/bin/env bash
# Installs what `make test` / `make demo` need when it is missing: ansible-core from Debian's
# packages (--no-install-recommends keeps Debian's community `ansible` bundle out, so a missing
# collection dependency cannot hide). PostgreSQL is installed on demand by postgres.sh.
set -euo pipefail
if command -v ansible-playbook >/dev/null 2>&1 && command -v ansible-galaxy >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "ansible-core is required: install it (Debian/Ubuntu: apt-get install --no-install-recommends ansible-core)" >&2
  exit 1
fi
echo "deps: installing ansible-core from Debian packages" >&2
apt-get update -qq >/dev/null
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ansible-core >/dev/null
ansible-playbook --version | head -1 >&2
