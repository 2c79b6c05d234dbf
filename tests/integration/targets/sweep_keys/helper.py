"""Helpers of the sweep_keys target: seed keys through the fake, count requests, read reports.

  helper.py seed RUN                 insert the target's keys (POST /_fake/keys, fake-only)
  helper.py aliases RUN              print the aliases of RUN's keys still on the proxy, sorted
  helper.py count                    print the number of lines in the fake's request log
  helper.py writes SINCE             print "METHOD /path" of non-GET requests after line SINCE
  helper.py lists SINCE              print how many GET /key/list requests came after line SINCE
"""
import datetime
import json
import os
import sys
import urllib.request

URL = os.environ["LITELLM_URL"]
AUTH = {"Authorization": "Bearer " + os.environ["LITELLM_MASTER_KEY"], "Content-Type": "application/json"}
LOG = os.environ["FAKE_REQUEST_LOG"]


def call(method, path, body=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(URL + path, data=data, headers=AUTH, method=method)
    with urllib.request.urlopen(req, timeout=30) as r:
        return json.load(r)


def ago(days):
    t = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=days)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def seed(run):
    rows = [
        # expired 10 days ago, guid in metadata, spent 1.5 USD
        {"key_alias": f"virtkey-{run}a", "expires": ago(10), "metadata": {"guid": f"{run}a"}, "spend": 1.5},
        # a multi-user lab without metadata guid (older collection): the alias names the guid
        {"key_alias": f"virtkey-{run}b-user1", "expires": ago(8), "spend": 0.25},
        {"key_alias": f"virtkey-{run}b-user2", "expires": ago(8)},
        # expired recently
        {"key_alias": f"virtkey-{run}c", "expires": ago(2), "metadata": {"guid": f"{run}c"}},
        # never expires
        {"key_alias": f"virtkey-{run}d", "metadata": {"guid": f"{run}d"}},
        # long expired, but its lab is listed as active
        {"key_alias": f"virtkey-{run}e", "expires": ago(30), "metadata": {"guid": f"{run}e"}},
        # long expired, not in this collection's alias formats: never touched
        {"key_alias": f"virtkey-{run}f-", "expires": ago(30)},
        {"key_alias": f"lab-{run}-app", "expires": ago(30)},
    ]
    call("POST", "/_fake/keys", {"keys": rows})


def aliases(run):
    out, page = [], 1
    while True:
        r = call("GET", f"/key/list?return_full_object=true&size=100&page={page}")
        out += [k["key_alias"] for k in r["keys"] if run in (k.get("key_alias") or "")]
        if page >= r["total_pages"]:
            break
        page += 1
    print(" ".join(sorted(out)))


def lines():
    with open(LOG) as f:
        return [json.loads(x) for x in f if x.strip()]


def main():
    cmd = sys.argv[1]
    if cmd == "seed":
        seed(sys.argv[2])
    elif cmd == "aliases":
        aliases(sys.argv[2])
    elif cmd == "count":
        print(len(lines()))
    elif cmd == "writes":
        print(" ".join(x["method"] + ":" + x["path"] for x in lines()[int(sys.argv[2]):] if x["method"] != "GET"))
    elif cmd == "lists":
        print(sum(1 for x in lines()[int(sys.argv[2]):] if x["method"] == "GET" and x["path"] == "/key/list"))
    else:
        sys.exit("unknown command " + cmd)


main()
