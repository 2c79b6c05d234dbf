"""Prints as JSON what yaml.safe_load reads from each file named on the command line (a list, in
order). Values JSON cannot hold (dates) become their repr, so a test sees they are not strings."""
import json
import math
import sys

import yaml


def finite(v):
    """JSON has no inf/nan: show them as text so tests can still compare."""
    if isinstance(v, float) and not math.isfinite(v):
        return "<float %r>" % v
    if isinstance(v, list):
        return [finite(x) for x in v]
    if isinstance(v, dict):
        return {k if isinstance(k, str) else "<%s %r>" % (type(k).__name__, k): finite(x) for k, x in v.items()}
    return v


out = []
for path in sys.argv[1:]:
    with open(path, encoding="utf-8") as fh:
        out.append(finite(yaml.safe_load(fh)))
print(json.dumps(out, default=lambda v: "<%s %r>" % (type(v).__name__, v)))
