#!/usr/bin/env bash
# Role inputs (main.yml), then the missing-variable messages without the environment fallbacks.
set -euo pipefail
inv=../../inventory
ansible-playbook -i "$inv" main.yml
env -u LITELLM_MASTER_KEY -u DATABASE_URL ansible-playbook -i "$inv" missing.yml
