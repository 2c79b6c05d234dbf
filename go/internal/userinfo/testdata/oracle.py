"""PyYAML oracle for the userinfo tests: one long-running process per test binary.

Reads one JSON request per line on stdin and answers one JSON line on stdout:
  {"load": [PATH...]}  -> {"ok": [what yaml.safe_load reads from each file, canonical]}
  {"model": [CASE...]} -> {"ok": [verdict...]}  (see agnosticd_model.py)
  {"cases": PATH}      -> {"ok": [case...]}  agnosticd_cases.yml with expected values canonical and
                          each call as args-file JSON (see agnosticd_cases.py)
Failures answer {"error": TEXT}. Canonical form: JSON cannot hold everything PyYAML builds, so
non-finite floats become "<float inf>", non-string keys "<int 3>", sets {"<set>": [sorted items]},
tuples {"<tuple>": [...]}, and other values (dates, bytes) "<type repr>".
"""
import datetime
import json
import math
import sys

import yaml

import agnosticd_cases
import agnosticd_model


def canon(v):
    if isinstance(v, float) and not math.isfinite(v):
        return "<float %r>" % v
    if isinstance(v, bool) or v is None or isinstance(v, (int, float, str)):
        return v
    if isinstance(v, list):
        return [canon(x) for x in v]
    if isinstance(v, tuple):
        return {"<tuple>": [canon(x) for x in v]}
    if isinstance(v, (set, frozenset)):
        return {"<set>": sorted((canon(x) for x in v), key=repr)}
    if isinstance(v, dict):
        return {k if isinstance(k, str) else "<%s %r>" % (type(k).__name__, k): canon(x) for k, x in v.items()}
    return "<%s %r>" % (type(v).__name__, v)


def load(path):
    with open(path, encoding="utf-8") as fh:
        return canon(yaml.safe_load(fh))


def main():
    for line in sys.stdin:
        try:
            req = json.loads(line)
            if "load" in req:
                out = {"ok": [load(p) for p in req["load"]]}
            elif "cases" in req:
                out = {"ok": [dict(c, expect=canon(c["expect"]),
                                   calls=[agnosticd_cases.args_json(x) for x in c["calls"]],
                                   sequence=[agnosticd_cases.args_json(x) for x in c["sequence"]])
                              for c in agnosticd_cases.load_cases(req["cases"])]}
            else:
                out = {"ok": [agnosticd_model.run_case(c) for c in req["model"]]}
        except Exception as e:  # reported to the test, which fails with it
            out = {"error": "%s: %s" % (type(e).__name__, e)}
        sys.stdout.write(json.dumps(out) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
