#!/usr/bin/env bash
# make demo: what RHDP does with this collection, against fake-litellm (in memory, free port):
# provision a key for a demo lab with the default package, show what the lab user receives (the
# user-info messages and data), provision again (idempotent: same key, nothing changed), destroy,
# stop the server. Needs ANSIBLE_COLLECTIONS_PATH (collection installed from the tarball) and
# FAKE_LITELLM; `make demo` provides both through tests/scripts/with-collection.sh.
# The master key is random and never printed.
set -euo pipefail
: "${ANSIBLE_COLLECTIONS_PATH:?run through tests/scripts/with-collection.sh (make demo)}"
: "${FAKE_LITELLM:?run through tests/scripts/with-collection.sh (make demo)}"

work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-demo.XXXXXX")
fake_pid=
cleanup() {
  if [ -n "$fake_pid" ]; then kill "$fake_pid" 2>/dev/null || true; wait "$fake_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

LITELLM_MASTER_KEY="sk-demo-$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export LITELLM_MASTER_KEY   # the role falls back to it; never passed on a command line

bold() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
redact() { sed -e "s/$LITELLM_MASTER_KEY/<master key>/g"; }
play() {  # LOG PLAYBOOK ARGS...: run quietly; on failure show the log without the master key
  local log=$1; shift
  if ! (cd "$work" && ansible-playbook -i "$work/inventory" "$@") >"$log" 2>&1; then
    echo "ansible-playbook failed:" >&2; tail -n 40 "$log" | redact >&2; exit 1
  fi
  grep -E '^localhost +:' "$log" | sed 's/^/   recap: /'
}
data_key() { sed -n "s/^$1: \"\\(.*\\)\"\$/\\1/p" "$work/output/provision-user-data.yaml"; }  # top-level string

start=$(date +%s.%N)
bold "Starting fake-litellm (in memory)"
"$FAKE_LITELLM" --port 0 >"$work/fake.out" 2>"$work/fake.err" &
fake_pid=$!
url=
for _ in $(seq 100); do url=$(head -n 1 "$work/fake.out" 2>/dev/null || true); case "$url" in http://*) break ;; esac; sleep 0.05; done
case "$url" in http://*) echo "   LiteLLM proxy (fake): $url" ;; *) echo "fake-litellm did not start" >&2; redact <"$work/fake.err" >&2; exit 1 ;; esac
printf 'localhost ansible_connection=local ansible_python_interpreter=%s\n' "$(command -v python3)" >"$work/inventory"
guid="demo$(date +%H%M%S)"
# summary LOG WANT: print the run's summary line; fail unless it says WANT.
summary() {
  local line
  line=$(grep -oE '"LiteLLM virtual keys of [^"]*' "$1" | head -n 1 | tr -d '"' || true)
  echo "   ${line:-no summary line}"
  case "$line" in *": $2"*) ;; *) echo "   expected: $2" >&2; exit 1 ;; esac
}
common=(-e "guid=$guid" -e "litellm_url=$url" -e "output_dir=$work/output")

bold "1. Provision: ansible-playbook rhpds.litellm_virtual_keys.provision_key -e guid=$guid -e litellm_url=..."
play "$work/provision-1.log" rhpds.litellm_virtual_keys.provision_key "${common[@]}"
first_key=$(data_key litellm_virtual_key)

bold "What the lab user receives: messages ({output_dir}/provision-user-info.yaml)"
sed 's/^/   /' "$work/output/provision-user-info.yaml"
bold "... and data ({output_dir}/provision-user-data.yaml)"
sed 's/^/   /' "$work/output/provision-user-data.yaml"

bold "2. Provision again (idempotent)"
play "$work/provision-2.log" rhpds.litellm_virtual_keys.provision_key "${common[@]}"
second_key=$(data_key litellm_virtual_key)
if [ "$first_key" = "$second_key" ] && grep -qE '^localhost +:.* changed=0 ' "$work/provision-2.log"; then
  echo "   same key ($(data_key litellm_key_alias), ${second_key:0:6}...), changed=0: nothing was created or modified"
else
  echo "   NOT idempotent: the second run changed something or handed out another key" >&2; exit 1
fi

bold "3. Destroy: ansible-playbook rhpds.litellm_virtual_keys.destroy_key -e guid=$guid -e litellm_url=..."
play "$work/destroy.log" rhpds.litellm_virtual_keys.destroy_key "${common[@]}"
summary "$work/destroy.log" "1 deleted (virtkey-$guid)"

bold "4. Destroy again (the key is already gone)"
play "$work/destroy-2.log" rhpds.litellm_virtual_keys.destroy_key "${common[@]}"
summary "$work/destroy-2.log" "1 already gone (virtkey-$guid)"

bold "Done in $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN{printf "%.1f", e-s}') s; stopping fake-litellm"
