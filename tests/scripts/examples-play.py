"""examples-play.py SIDECAR OUT VARS_JSON: the EXAMPLES of a module's sidecar as one play.

Writes to OUT a play on localhost whose tasks are the EXAMPLES of SIDECAR (plugins/modules/<m>.yml)
as written, with the play variables VARS_JSON (a JSON object), so that an integration target can
run a module's documented examples against the fake. Fails unless EXAMPLES is a list of tasks.
"""
import json
import sys

import yaml

sidecar, out, play_vars = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
doc = yaml.safe_load(open(sidecar))
module = doc["DOCUMENTATION"]["module"]
tasks = yaml.safe_load(doc["EXAMPLES"])
assert isinstance(tasks, list) and len(tasks) >= 4, "EXAMPLES of %s must be a list of tasks" % module
play = [{"name": "EXAMPLES of %s, as written" % module, "hosts": "localhost", "gather_facts": False,
         "vars": play_vars, "tasks": tasks}]
with open(out, "w") as f:
    yaml.safe_dump(play, f, sort_keys=False)
print("%s: %d example tasks" % (module, len(tasks)))
