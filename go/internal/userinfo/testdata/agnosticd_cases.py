"""Reads agnosticd_cases.yml (see its header) for TestAgnosticDCases (through oracle.py) and for the
integration target user_info_agnosticd."""
import json

import yaml

KEYS = ("msg", "body", "data")


def expand(bulk):
    """The single calls one call with users: stands for: the top-level msg/body/data (if any is
    given), then one call per user in the order given, each with the call's data_prefix."""
    shared = {k: bulk[k] for k in ("data_prefix",) if k in bulk}
    seq = []
    top = {k: bulk[k] for k in KEYS if k in bulk}
    if top:
        seq.append(dict(top, **shared))
    for name, entry in (bulk.get("users") or {}).items():
        seq.append(dict({"user": name}, **(entry or {}), **shared))
    return seq


def load_cases(path):
    with open(path, encoding="utf-8") as fh:
        cases = yaml.safe_load(fh)
    out = []
    for c in cases:
        bulk = c.get("bulk")
        calls = [bulk] if bulk is not None else c["calls"]
        out.append({
            "name": c["name"],
            "files": c.get("files") or {},
            "calls": calls,
            # what AgnosticD runs: the calls, or the single calls a bulk call stands for
            "sequence": expand(bulk) if bulk is not None else calls,
            "bulk": bulk is not None,
            "failed": c.get("failed") or [False] * len(calls),
            "result_msg": c.get("result_msg"),
            "expect": c.get("expect") or {},
            "expect_text": c.get("expect_text") or {},
            "differs": c.get("agnosticd") == "differs",
        })
    return out


def args_json(call):
    """A call as Ansible writes it into an args file (NaN and Infinity as bare tokens)."""
    return json.dumps(call)
