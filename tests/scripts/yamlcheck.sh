#!/usr/bin/env bash
# Offline YAML check: every tracked YAML file parses (PyYAML, which ansible-core brings), and the
# sidecar docs have the three parts ansible-doc needs, and no conditional (that/when/failed_when/
# changed_when/until) is a mapping: an unquoted ": " inside one makes YAML read a mapping, which
# ansible-core 2.14 takes as always true (a check that cannot fail) and 2.19 refuses.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=python3
command -v /usr/bin/python3 >/dev/null && /usr/bin/python3 -c 'import yaml' 2>/dev/null && py=/usr/bin/python3
git ls-files -co --exclude-standard '*.yml' '*.yaml' | "$py" -c '
import sys, yaml
bad = 0
CONDS = ("that", "when", "failed_when", "changed_when", "until")
def conditionals(node, path):
    global bad
    if isinstance(node, dict):
        for k, v in node.items():
            if k in CONDS:
                for c in (v if isinstance(v, list) else [v]):
                    if not isinstance(c, (str, bool)):
                        print(f"{path}: {k}: {c!r} is not a string (quote it: an unquoted \": \" made it a mapping)"); bad += 1
            conditionals(v, path)
    elif isinstance(node, list):
        for v in node:
            conditionals(v, path)
for path in sys.stdin.read().split():
    try:
        with open(path) as f:
            docs = list(yaml.safe_load_all(f))
    except Exception as e:
        print(f"{path}: {e}".splitlines()[0]); bad += 1; continue
    if not path.startswith(("plugins/", "changelogs/", "go/")):
        for d in docs:
            conditionals(d, path)
    if path.startswith("plugins/modules/"):
        d = docs[0] if docs else None
        if not isinstance(d, dict) or not isinstance(d.get("DOCUMENTATION"), dict) or not isinstance(d.get("EXAMPLES"), str) or not isinstance(d.get("RETURN"), dict):
            print(f"{path}: sidecar needs DOCUMENTATION (mapping), EXAMPLES (string), RETURN (mapping)"); bad += 1
sys.exit(1 if bad else 0)
'
