#!/usr/bin/env bash
# ansible-lint, production profile (.ansible-lint), as `make lint` runs it.
# ansible-lint's syntax check must resolve this collection by its FQCN: its modules, its action
# group (meta/runtime.yml, used by module_defaults) and its role. In offline mode ansible-lint does
# not install the collection, so we put a collections path holding a link to this checkout first;
# the modules resolve once `make build` has built them (the caller builds first).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
coll=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-lint.XXXXXX")
trap 'rm -rf "$coll"' EXIT
mkdir -p "$coll/ansible_collections/rhpds"
ln -s "$root" "$coll/ansible_collections/rhpds/litellm_virtual_keys"
cd "$root"
ANSIBLE_COLLECTIONS_PATH="$coll" ANSIBLE_COLLECTIONS_SCAN_SYS_PATH=False exec ansible-lint -q --nocolor "$@"
