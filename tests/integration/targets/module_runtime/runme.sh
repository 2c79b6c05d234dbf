#!/usr/bin/env bash
# The module runtime through ansible-playbook: parameter errors, check/diff/real runs, and a -vvvv
# run whose whole output must not contain the master key (while showing that masking happened).
set -euo pipefail
inv=../../inventory
ansible-playbook -i "$inv" -vvv errors.yml >"$TARGET_TMP/errors.log" 2>&1 || { tail -80 "$TARGET_TMP/errors.log"; exit 1; }
# At -vvv the result shows invocation.module_args: strings coerced to int and bool, key masked.
python3 - "$TARGET_TMP/errors.log" <<'PY'
import json, re, sys
text = open(sys.argv[1]).read()
m = re.search(r'Numbers and booleans given as strings.*?=> (\{.*?\n\})', text, re.S)
assert m, "no verbose result for the coercion task"
args = json.loads(m.group(1))["invocation"]["module_args"]
assert args["timeout"] == 15 and args["retries"] == 2 and args["validate_certs"] is True, args
assert args["api_key"] == "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER", args["api_key"]
print("coercion visible in invocation:", {k: args[k] for k in ("timeout", "retries", "validate_certs")})
PY
out="$TARGET_TMP/vvvv.log"
ansible-playbook -i "$inv" -vvvv lifecycle.yml >"$out" 2>&1 || { tail -80 "$out"; exit 1; }
if grep -qF "$LITELLM_MASTER_KEY" "$out"; then
  echo "the master key appears in the -vvvv output"; exit 1
fi
grep -q VALUE_SPECIFIED_IN_NO_LOG_PARAMETER "$out" || { echo "-vvvv output shows no masked invocation: the scan proves nothing"; exit 1; }
grep -q '"api_key": "VALUE_SPECIFIED_IN_NO_LOG_PARAMETER"' "$out" || { echo "api_key not shown masked in invocation"; exit 1; }
echo "module_runtime: ok"
