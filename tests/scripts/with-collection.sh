#!/usr/bin/env bash
# with-collection.sh CMD [ARGS...]
# Installs the tarball that `make dist` built into a private collections path, sets the Ansible
# environment the tests and the demo use, and runs CMD in it. Cleans up afterwards.
#   exported: ANSIBLE_COLLECTIONS_PATH, FAKE_LITELLM (built fake server), REPO_ROOT, and quiet
#   Ansible defaults (no cows, no retry files, no interpreter warnings).
set -euo pipefail
REPO_ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export REPO_ROOT
version=$(sed -n 's/^version: *//p' "$REPO_ROOT/galaxy.yml")
tarball="$REPO_ROOT/dist/rhpds-litellm_virtual_keys-$version.tar.gz"
[ -f "$tarball" ] || { echo "with-collection.sh: $tarball not found: run make dist" >&2; exit 1; }
FAKE_LITELLM="$REPO_ROOT/go/bin/fake-litellm"
[ -x "$FAKE_LITELLM" ] || { echo "with-collection.sh: $FAKE_LITELLM not found: run make fake" >&2; exit 1; }
export FAKE_LITELLM

coll=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-collections.XXXXXX")
trap 'rm -rf "$coll"' EXIT
export ANSIBLE_COLLECTIONS_PATH="$coll"
ansible-galaxy collection install --force -p "$coll" "$tarball" >/dev/null
export ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False
export ANSIBLE_NOCOWS=1 ANSIBLE_RETRY_FILES_ENABLED=False ANSIBLE_LOCALHOST_WARNING=False
export ANSIBLE_INVENTORY_UNPARSED_WARNING=False ANSIBLE_PYTHON_INTERPRETER=auto_silent
export ANSIBLE_HOST_KEY_CHECKING=False ANSIBLE_DEPRECATION_WARNINGS=False
export ANSIBLE_LOCAL_TEMP="$coll/tmp-local" ANSIBLE_REMOTE_TEMP="$coll/tmp-remote"
"$@"
