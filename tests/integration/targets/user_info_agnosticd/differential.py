"""Helper of runme.sh: `prepare DIR` writes each case's files and a playbook of their calls; `compare DIR`
checks the files, failures and result messages of AgnosticD's plugin and ours against the expected
values. Random call sequences (AGNOSTICD_DIFF_RANDOM of them, default 40, seed AGNOSTICD_DIFF_SEED) are
compared between the two directly; a sequence on which AgnosticD crashes is not compared."""
import json
import os
import random
import sys

import yaml

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "..", "go", "internal", "userinfo", "testdata"))
import agnosticd_cases  # noqa: E402
from oracle import canon  # noqa: E402

CASES = os.path.join(HERE, "..", "..", "..", "..", "go", "internal", "userinfo", "testdata", "agnosticd_cases.yml")
IMPLS = ("agnosticd", "ours")
# AgnosticD's own errors; any other failure of its plugin is a crash, where we deliberately differ.
AGNOSTICD_ERRORS = ("msg and body are mutually exclusive", "data must be a dictionary of name/value pairs")
STRINGS = ["yes", "no", "on", "~", "null", "", "0123", "0x1F", "1e3", ".inf", "2026-01-01", "12:30", "a: b",
           "- x", "#c", "[x]", "{y: z}", "'s'", '"d"', "é", "日本語", "a\nb", " lead", "trail ", "\t", "\\",
           "sk-abc123", "https://x.example/v1?a=b&c=d"]


def random_cases(rnd, n):
    def scalar():
        return rnd.choice([rnd.randint(-1000, 1000), rnd.choice([1.5, -0.25, 3.0, 1e20, float("inf"), float("nan")]),
                           rnd.random() < 0.5, None] + [rnd.choice(STRINGS)] * 4)

    def value(depth):
        r = rnd.random()
        if depth and r < 0.2:
            return [value(depth - 1) for _i in range(rnd.randint(0, 2))]
        if depth and r < 0.4:
            return {rnd.choice(STRINGS + ["k"]): value(depth - 1) for _i in range(rnd.randint(0, 2))}
        return scalar()

    def text():
        if rnd.random() < 0.3:
            return [rnd.choice(STRINGS) for _i in range(rnd.randint(0, 2))]
        return rnd.choice(STRINGS)

    def call():
        c = {}
        if rnd.random() < 0.5:
            c["user"] = rnd.choice(["alice", "bob", "yes", "0123", 3, "é"])
        r = rnd.random()
        if r < 0.4:
            c["msg"] = text()
        elif r < 0.6:
            c["body"] = text()
        elif r < 0.7:
            c["msg"], c["body"] = text(), text()
        r = rnd.random()
        if r < 0.5:
            c["data"] = {rnd.choice(["key", "url", "a", "b"] + STRINGS): value(2) for _i in range(rnd.randint(0, 3))}
        elif r < 0.6:
            c["data"] = rnd.choice(["x", "", None, []])
        if rnd.random() < 0.25:
            c["data_prefix"] = rnd.choice(["", "p_", "litellm_"])
        return c

    return [{"name": "random %d" % i, "files": {}, "calls": calls, "sequence": calls, "random": True}
            for i, calls in enumerate([call() for _i in range(rnd.randint(1, 6))] for _j in range(n))]


def all_cases():
    seed = int(os.environ.get("AGNOSTICD_DIFF_SEED") or 20260724)
    n = int(os.environ.get("AGNOSTICD_DIFF_RANDOM") or 40)
    return agnosticd_cases.load_cases(CASES) + random_cases(random.Random(seed), n), seed


def prepare(work):
    """Writes each case's files and a playbook with one task per call. The tasks' arguments are
    literal YAML, never templated: a template cannot yield .inf or .nan."""
    cases = all_cases()[0]
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
                      "msg": "{{ [%s] }}" % ", ".join("%s.msg | default(None)" % n for n in names[impl]),
                      "error": "{{ [%s] }}" % ", ".join("%s.error | default(None)" % n for n in names[impl])}
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
    cases, seed = all_cases()
    pos = {impl: 0 for impl in IMPLS}
    bad = crashed = known = 0
    for i, c in enumerate(cases):
        report = []
        if c.get("random"):
            got = {}
            for impl in IMPLS:
                n = len(c["calls"])
                sl = slice(pos[impl], pos[impl] + n)
                got[impl] = (results[impl]["failed"][sl], results[impl]["msg"][sl],
                             {k: v[1] for k, v in files(os.path.join(work, impl, "%02d" % i)).items()})
                pos[impl] += n
            errors = results["agnosticd"].get("error", [])
            if any(f and e not in AGNOSTICD_ERRORS for f, e in zip(got["agnosticd"][0], errors[pos["agnosticd"] - n:])):
                crashed += 1
                continue
            # Appending text to a per-user msg or body that is a list: AgnosticD extends the list with the
            # text's characters, we fail (a documented difference).
            if any(f and "cannot append" in str(m) for f, m in zip(got["ours"][0], got["ours"][1])):
                known += 1
                continue
            for what, a, o in zip(("failed", "result msg", "files"), got["agnosticd"], got["ours"]):
                if what == "result msg":
                    a = [x for x, f in zip(a, got["agnosticd"][0]) if not f]
                    o = [x for x, f in zip(o, got["ours"][0]) if not f]
                if a != o:
                    report.append("%s: agnosticd %r, ours %r" % (what, a, o))
            if report:
                report.insert(0, "calls: %s" % json.dumps(c["calls"], ensure_ascii=False))
            bad += bool(report)
            print("%s %s" % ("FAIL" if report else "ok  ", c["name"]))
            for line in report:
                print("     " + line)
            continue
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
    print("user_info_agnosticd: %d cases (random seed %d; not compared: %d random sequences AgnosticD crashed on,"
          " %d appending to a list), %s" % (len(cases), seed, crashed, known, "%d failed" % bad if bad else "all agree"))
    return 1 if bad else 0


if __name__ == "__main__":
    if sys.argv[1] == "prepare":
        prepare(sys.argv[2])
    else:
        sys.exit(compare(sys.argv[2]))
