#!/usr/bin/env python3
"""Helper of runme.sh: `prepare DIR` writes each case's files and the task items; `compare DIR` checks
the files, failures and result messages of AgnosticD's plugin and ours against the expected values."""
import json
import os
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "go", "internal", "userinfo", "testdata"))
import agnosticd_cases  # noqa: E402
from oracle import canon  # noqa: E402

CASES = os.path.join(HERE, "..", "..", "..", "..", "go", "internal", "userinfo", "testdata", "agnosticd_cases.yml")
IMPLS = ("agnosticd", "ours")


def prepare(work):
    """Writes each case's files and a playbook with one task per call. The tasks' arguments are
    literal YAML, never templated: a template cannot yield .inf or .nan."""
    cases = agnosticd_cases.load_cases(CASES)
    tasks, names = [], {impl: [] for impl in IMPLS}
    for impl, module in (("agnosticd", "agnosticd.core.agnosticd_user_info"),
                         ("ours", "rhpds.litellm_virtual_keys.agnosticd_user_info")):
        for i, c in enumerate(cases):
            d = os.path.join(work, impl, "%02d" % i)
            os.makedirs(d)
            for name, text in c["files"].items():
                with open(os.path.join(d, name), "w", encoding="utf-8") as fh:
                    fh.write(text)
            for j, call in enumerate(c["sequence"] if impl == "agnosticd" else c["calls"]):
                reg = "%s_%02d_%d" % (impl, i, j)
                names[impl].append(reg)
                tasks.append({"name": "%s %02d.%d" % (impl, i, j), module: call, "vars": {"output_dir": d},
                              "register": reg, "ignore_errors": True})
    results = {impl: {"failed": "{{ [%s] }}" % ", ".join("%s.failed | default(false)" % n for n in names[impl]),
                      "msg": "{{ [%s] }}" % ", ".join("%s.msg | default(None)" % n for n in names[impl])}
               for impl in IMPLS}
    tasks.append({"name": "Save failures and result messages", "vars": {"results": results},
                  "ansible.builtin.copy": {"dest": os.path.join(work, "results.json"), "mode": "0600",
                                           "content": "{{ results | to_json }}"}})
    play = [{"name": "The cases through AgnosticD's agnosticd_user_info and ours", "hosts": "localhost",
             "gather_facts": False, "vars": {"ACTION": "provision"}, "tasks": tasks}]
    with open(os.path.join(work, "calls.yml"), "w", encoding="utf-8") as fh:
        yaml.safe_dump(play, fh, sort_keys=False, allow_unicode=True)


def files(d):
    out = {}
    for name in sorted(os.listdir(d)):
        if not name.endswith(".yaml"):
            continue
        with open(os.path.join(d, name), encoding="utf-8", errors="surrogateescape") as fh:
            text = fh.read()
        try:
            value = canon(yaml.safe_load(text))
        except Exception as e:  # AgnosticD can write files PyYAML cannot load
            value = "<unloadable: %s>" % type(e).__name__
        out[name] = (text, value)
    return out


def problems(c, got, failed, msgs):
    """What differs from the case's expected values (empty: it matches)."""
    out = []
    want_names = set(c["expect"]) | set(c["expect_text"])
    if set(got) != want_names:
        out.append("files %s, expected %s" % (sorted(got), sorted(want_names)))
    for name, value in c["expect"].items():
        if name in got and got[name][1] != canon(value):
            out.append("%s loads as %r, expected %r" % (name, got[name][1], canon(value)))
    for name, text in c["expect_text"].items():
        if name in got and got[name][0] != text:
            out.append("%s holds %r, expected %r" % (name, got[name][0], text))
    want_failed = c["failed"] if len(failed) == len(c["failed"]) else [False] * len(failed)
    if failed != want_failed:
        out.append("failed %s, expected %s" % (failed, want_failed))
    if c["result_msg"] is not None and len(msgs) == len(c["result_msg"]) and msgs != c["result_msg"]:
        out.append("result msg %r, expected %r" % (msgs, c["result_msg"]))
    return out


def compare(work):
    with open(os.path.join(work, "results.json"), encoding="utf-8") as fh:
        results = json.load(fh)
    cases = agnosticd_cases.load_cases(CASES)
    pos = {impl: 0 for impl in IMPLS}
    bad = 0
    for i, c in enumerate(cases):
        report = []
        for impl in IMPLS:
            n = len(c["sequence"] if impl == "agnosticd" else c["calls"])
            failed = results[impl]["failed"][pos[impl]:pos[impl] + n]
            msgs = results[impl]["msg"][pos[impl]:pos[impl] + n]
            pos[impl] += n
            p = problems(c, files(os.path.join(work, impl, "%02d" % i)), failed, msgs)
            if impl == "agnosticd" and c["differs"]:
                if not p:
                    report.append("agnosticd: behaves as we do now; drop 'agnosticd: differs' and its doc")
            elif p:
                report.extend("%s: %s" % (impl, x) for x in p)
        bad += bool(report)
        print("%s %s" % ("FAIL" if report else "ok  ", c["name"]))
        for line in report:
            print("     " + line)
    # ACTION: a host's empty ACTION means provision; an undefined one falls through to localhost's.
    want = {"provision-user-info.yaml": ["emptyaction"], "destroy-user-info.yaml": ["noaction"]}
    for impl in IMPLS:
        got = {k: v[1] for k, v in files(os.path.join(work, "action", impl)).items()}
        ok = got == want
        bad += not ok
        print("%s ACTION resolution (%s)%s" % ("ok  " if ok else "FAIL", impl, "" if ok else ": %r" % got))
    print("user_info_agnosticd: %d cases, %s" % (len(cases), "%d failed" % bad if bad else "all agree"))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[2]))
