"""Reference model of AgnosticD's agnosticd_user_info (docs/agnosticd-user-info.md).

testdata/oracle.py passes it JSON lists of cases {"ours": DIR, "calls": [CALL...]}, where a CALL holds
the task's parameters (msg, body, data, user, data_prefix, action; absent = not given). For each case it
replays the calls with AgnosticD's semantics in memory (and, when the case names a "ref" directory,
also as files written the way AgnosticD writes them: json.dumps lines, yaml.safe_dump). It then loads
every *.yaml file of "ours" (and "ref") with yaml.safe_load and compares it to the in-memory model,
types included (1 != 1.0 != True). The user_info_agnosticd integration target compares with AgnosticD's
plugin itself.

Gives one verdict per case: {"errors": [per call: null or the expected error text],
"problems": [text...]} (no problems = the case passes).
"""
import copy
import json
import os

import yaml

FastLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
FastDumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)

MUTEX = "msg and body are mutually exclusive"
NOT_DICT = "data must be a dictionary of name/value pairs"
BAD_STATE = "existing data cannot be merged"


def joined(text):
    return "\n".join(str(x) for x in text) if isinstance(text, list) else text


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
    # Owner's messages first: they stay appended when the data file fails.
    if not user:
        for kind, text in (("info", msg), ("body", body)):
            if text is None:
                continue
            lines = text if isinstance(text, list) else [text]
            if lines or files.get(kind) is not None:
                files[kind] = (files.get(kind) or []) + lines
            else:
                files.setdefault(kind, None)  # created empty
            if not ref:
                continue
            with open(path(kind), "a") as fh:
                for line in lines:
                    fh.write("- " + json.dumps(line) + "\n")
    if user or data:
        cur = copy.deepcopy(files.get("data") or {})
        new = {prefix + k: v for k, v in data.items()} if isinstance(data, dict) else data
        if user:
            users = cur.get("users")
            if users is None:
                users = cur["users"] = {}
            if not isinstance(users, dict):
                return BAD_STATE
            target = users.get(user)
            if target is None:
                target = users[user] = {} if "data" not in call else new
            elif isinstance(target, dict):
                if isinstance(new, dict):
                    target.update(new)
            else:
                return BAD_STATE
            for name, text, value in (("msg", msg, joined(msg)), ("body", body, body)):
                if not text:
                    continue
                if target is None:
                    target = users[user] = {}
                if not isinstance(target, dict):
                    return BAD_STATE
                if target.get(name) is None:
                    target[name] = value
                elif isinstance(target[name], str):
                    target[name] += "\n" + joined(text)
                else:
                    return BAD_STATE
        else:
            cur.update(new)
        files["data"] = cur
        if not ref:
            return None
        with open(path("data"), "w") as fh:
            fh.write("---\n")
            yaml.dump(cur, fh, Dumper=FastDumper, default_flow_style=False)
    return None


def same(a, b):
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def load_dir(d, loader=yaml.SafeLoader):
    out = {}
    for name in sorted(os.listdir(d)):
        if name.endswith(".yaml"):
            with open(os.path.join(d, name), encoding="utf-8") as fh:
                out[name] = yaml.load(fh, Loader=loader)
    return out


def run_case(case):
    model, errors = {}, []
    if case.get("ref"):
        os.makedirs(case["ref"], exist_ok=True)
    for call in case["calls"]:
        errors.append(apply(model, case.get("ref"), call))
    expected = {}
    for action, files in model.items():
        for kind, value in files.items():
            expected["%s-user-%s.yaml" % (action, kind)] = value
    problems = []
    for who in ("ours", "ref") if case.get("ref") else ("ours",):
        # Our files are read with safe_load's pure-Python loader, as RHDP's readers do; the
        # model's own with libyaml when present (only for speed).
        got = load_dir(case[who], yaml.SafeLoader if who == "ours" else FastLoader) if os.path.isdir(case[who]) else {}
        for name in sorted(set(got) | set(expected)):
            if name not in got:
                problems.append("%s: %s missing, expected %r" % (who, name, expected[name]))
            elif name not in expected:
                problems.append("%s: %s unexpected: %r" % (who, name, got[name]))
            elif not same(got[name], expected[name]):
                problems.append("%s: %s\n  got      %r\n  expected %r" % (who, name, got[name], expected[name]))
    return {"errors": errors, "problems": problems}
