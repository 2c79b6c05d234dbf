#!/usr/bin/env bash
# Offline YAML check: every tracked YAML file parses (PyYAML, which ansible-core brings), and the
# sidecar docs have the three parts ansible-doc needs.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=python3
command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import yaml' 2>/dev/null && py=/usr/bin/python3
git ls-files -co --exclude-standard '*.yml' '*.yaml' | "$py" -c '
import sys, yaml
bad = 0
for path in sys.stdin.read().split():
    try:
        with open(path) as f:
            docs = list(yaml.safe_load_all(f))
    except Exception as e:
        print(f"{path}: {e}".splitlines()[0]); bad += 1; continue
    if path.startswith("plugins/modules/"):
        d = docs[0] if docs else None
        if not isinstance(d, dict) or not isinstance(d.get("DOCUMENTATION"), dict) or not isinstance(d.get("EXAMPLES"), str) or not isinstance(d.get("RETURN"), dict):
            print(f"{path}: sidecar needs DOCUMENTATION (mapping), EXAMPLES (string), RETURN (mapping)"); bad += 1
sys.exit(1 if bad else 0)
'
