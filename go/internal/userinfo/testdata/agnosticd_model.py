"""Reference model of AgnosticD's agnosticd_user_info (docs/agnosticd-user-info.md).

Reads on stdin a JSON list of cases {"ours": DIR, "ref": DIR, "calls": [CALL...]}, where a CALL holds
the task's parameters (msg, body, data, user, data_prefix, action; absent = not given). For each case it
replays the calls with AgnosticD's semantics twice: in memory, and as files written the way AgnosticD
writes them (json.dumps lines, yaml.safe_dump) in "ref". It then loads every *.yaml file of "ours" and
"ref" with yaml.safe_load and compares both to the in-memory model, types included (1 != 1.0 != True).

Prints a JSON list, one entry per case: {"errors": [per call: null or the expected error text],
"problems": [text...]} (no problems = the case passes).
"""
import copy
import json
import os
import sys

import yaml

MUTEX = "msg and body are mutually exclusive"
NOT_DICT = "data must be a dictionary of name/value pairs"
BAD_STATE = "existing data cannot be merged"


def apply(model, ref, call):
    msg, body, data = call.get("msg"), call.get("body"), call.get("data")
    user, prefix = call.get("user"), call.get("data_prefix") or ""
    action = call.get("action") or "provision"
    if msg and body:
        return MUTEX
    if data and not isinstance(data, dict):
        return NOT_DICT
    files = model.setdefault(action, {})

    def path(kind):
        return os.path.join(ref, "%s-user-%s.yaml" % (action, kind))

    if user or data:
        cur = copy.deepcopy(files.get("data") or {})
        if user:
            users = cur.get("users")
            if users is None:
                users = cur["users"] = {}
            if not isinstance(users, dict):
                return BAD_STATE
            target = users.get(user)
            if target is None:
                target = users[user] = {}
            if not isinstance(target, dict):
                return BAD_STATE
        else:
            target = cur
        for k, v in (data or {}).items():
            target[prefix + k] = v
        if user:
            for name, text in (("msg", msg), ("body", body)):
                if not text:
                    continue
                if isinstance(text, list):
                    text = "\n".join(text)
                if target.get(name) is None:
                    target[name] = text
                elif isinstance(target[name], str):
                    target[name] += "\n" + text
                else:
                    return BAD_STATE
        files["data"] = cur
        with open(path("data"), "w") as fh:
            fh.write("---\n")
            yaml.safe_dump(cur, fh, default_flow_style=False)
    if not user:
        for kind, text in (("info", msg), ("body", body)):
            if text is None:
                continue
            lines = text if isinstance(text, list) else [text]
            if not lines:
                continue
            files.setdefault(kind, []).extend(lines)
            with open(path(kind), "a") as fh:
                for line in lines:
                    fh.write("- " + json.dumps(line) + "\n")
    return None


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def load_dir(d):
    out = {}
    for name in sorted(os.listdir(d)):
        if name.endswith(".yaml"):
            with open(os.path.join(d, name), encoding="utf-8") as fh:
                out[name] = yaml.safe_load(fh)
    return out


def run_case(case):
    model, errors = {}, []
    os.makedirs(case["ref"], exist_ok=True)
    for call in case["calls"]:
        errors.append(apply(model, case["ref"], call))
    expected = {}
    for action, files in model.items():
        for kind, value in files.items():
            expected["%s-user-%s.yaml" % (action, kind)] = value
    problems = []
    for who in ("ours", "ref"):
        got = load_dir(case[who]) if os.path.isdir(case[who]) else {}
        for name in sorted(set(got) | set(expected)):
            if name not in got:
                problems.append("%s: %s missing, expected %r" % (who, name, expected[name]))
            elif name not in expected:
                problems.append("%s: %s unexpected: %r" % (who, name, got[name]))
            elif not same(got[name], expected[name]):
                problems.append("%s: %s\n  got      %r\n  expected %r" % (who, name, got[name], expected[name]))
    return {"errors": errors, "problems": problems}


if __name__ == "__main__":
    print(json.dumps([run_case(c) for c in json.load(sys.stdin)]))
