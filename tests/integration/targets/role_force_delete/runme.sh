#!/usr/bin/env bash
# Force delete through the role against the PostgreSQL-backed fake: its /key/delete answers 200
# and deletes nothing (fault delete_noop), so only the database path can remove the keys.
# DATABASE_URL is exported to prove the role's environment fallback (main.yml passes the
# variable for one key and relies on the environment for the other).
set -euo pipefail
: "${LITELLM_PG_URL:?role_force_delete needs the PostgreSQL-backed fake (LITELLM_PG_URL)}"
: "${TEST_DATABASE_URL:?role_force_delete needs TEST_DATABASE_URL}"
DATABASE_URL=$TEST_DATABASE_URL ansible-playbook -i ../../inventory main.yml
