#!/usr/bin/env bash
# ansible-test sanity, offline, the way a collection maintainer runs it:
#   tests/scripts/sanity.sh            the git tree (tracked and untracked files, not the ignored ones)
#   tests/scripts/sanity.sh TARBALL    an unpacked release tarball, built binaries included
# ansible-test wants the collection at ansible_collections/<namespace>/<name>/: the files are copied
# (or unpacked) there in a temporary directory, never tested in place.
#
# Test environments: ansible-test pip-installs one virtualenv per test from PyPI, which these machines
# cannot reach. tests/scripts/sanity_venvs.py prepares those environments from the installed Debian
# packages instead (python3-voluptuous, pylint, yamllint, pycodestyle, python3-jinja2, ...); they are
# cached under ${XDG_CACHE_HOME:-~/.cache}/rhpds-litellm_virtual_keys/ansible-test, which is
# ansible-test's HOME here, so ~/.ansible is left alone. A test whose tool is missing is skipped and
# named, with the reason, before the run; so is every test that cannot run offline at all.
#
# Binaries: ansible-test reads every file under plugins/modules/ as text (validate-modules crashes with
# UnicodeDecodeError on a Go binary). Binary files there (Ansible's own rule: a control byte in the
# first 1024) get `validate-modules!skip` in the copy's ignore file, found at run time whatever the
# build names them; their documentation, the sidecar .yml, is still validated.
# Prints ansible-test's findings and a last line "sanity (<what>): ok" or "sanity (<what>): FAILED".
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tarball=${1:-}
py=/usr/bin/python3
[ -x "$py" ] || py=$(command -v python3)
pyver=$("$py" -c 'import sys; print("%d.%d" % sys.version_info[:2])')
command -v ansible-test >/dev/null || { echo "sanity: ansible-test not found (it ships with ansible-core)" >&2; exit 1; }
core=$(ansible-test --version 2>/dev/null | sed -n 's/^ansible-test version \([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$core" ] || { echo "sanity: cannot tell ansible-test's version" >&2; exit 1; }

ns=$(sed -n 's/^namespace: *//p' "$repo/galaxy.yml"); name=$(sed -n 's/^name: *//p' "$repo/galaxy.yml")
work=$(mktemp -d "${TMPDIR:-/tmp}/litellm-vk-sanity.XXXXXX")
trap 'rm -rf "$work"' EXIT
coll="$work/ansible_collections/$ns/$name"
mkdir -p "$coll"
if [ -n "$tarball" ]; then
  what="tarball $(basename "$tarball")"
  tar -xzf "$tarball" -C "$coll"
else
  what="git tree"
  (cd "$repo" && git ls-files -z -co --exclude-standard | while IFS= read -r -d '' f; do [ -e "$f" ] && printf '%s\0' "$f"; done) |
    (cd "$repo" && tar -cf - --null -T -) | tar -xf - -C "$coll"
fi

ignore="$coll/tests/sanity/ignore-$core.txt"
mkdir -p "$coll/tests/sanity"; touch "$ignore"
[ ! -s "$ignore" ] || [ -z "$(tail -c 1 "$ignore")" ] || echo >>"$ignore"   # entries below start a line
(cd "$coll" && find plugins -type f 2>/dev/null | sort) | "$py" -c '
import sys
# ansible.executor.module_common._is_binary: any byte outside these makes a module binary
textchars = bytearray({7, 8, 9, 10, 12, 13, 27} | set(range(0x20, 0x100)) - {0x7f})
for path in sys.stdin.read().splitlines():
    with open(path, "rb") as f:
        binary = bool(f.read(1024).translate(None, textchars))
    if binary and path.startswith("plugins/modules/"):
        print(path + " validate-modules!skip # a built binary, not text: its docs are the sidecar .yml")
' >>"$ignore"
# ansible-test reads every file under a top-level bin/ as a Python script (ansible-core's own layout),
# whatever its extension; our bin/ holds the module binaries and their SHA256SUMS. Every test that
# reads Python skips them: compile, pylint, pep8 and the code-smell tests whose extensions include
# .py (read from ansible-test's own definitions, so a newer ansible-test's tests are covered too).
if [ -d "$coll/bin" ]; then
  smell=$(dirname "$("$py" -c 'import ansible_test, os; print(ansible_test.__file__)')")/_util/controller/sanity/code-smell
  (cd "$coll" && find bin -type f | sort) | "$py" -c '
import glob, json, os, sys
smell, pyver = sys.argv[1:]
tests = ["compile-" + pyver, "pylint", "pep8"]
for f in sorted(glob.glob(os.path.join(smell, "*.json"))):
    d = json.load(open(f))
    # py2_compat tests only look at code that must run on Python 2; prefixed ones not at bin/
    if ".py" in d.get("extensions", []) and not d.get("no_targets") and not d.get("py2_compat") \
            and not d.get("prefixes"):
        tests.append(os.path.basename(f)[:-5])
for path in sys.stdin.read().split():
    for t in tests:
        print("%s %s!skip # a built module binary or its checksums, not Python (ansible-test reads bin/ as Python)" % (path, t))
' "$smell" "$pyver" >>"$ignore"
fi
# make build writes plugins/modules/<m>.sh next to each sidecar: two comment lines for ansible-doc to
# find the module by (tasks run it through the action plugin). A tarball carries them; they are
# neither shell scripts nor modules of their own, and the sidecar they point to is validated.
for anchor in "$coll"/plugins/modules/*.sh; do
  if [ ! -f "$anchor" ] || [ ! -f "${anchor%.sh}.yml" ]; then continue; fi
  rel=plugins/modules/$(basename "$anchor")
  printf '%s validate-modules!skip # a documentation anchor (comments only): the docs are %s\n' "$rel" "$(basename "${anchor%.sh}.yml")"
  printf '%s shellcheck!skip # a documentation anchor (comments only), not a shell script\n' "$rel"
done >>"$ignore"
# An ignore entry must name a file that exists: a tarball leaves some test files out (build_ignore).
"$py" - "$ignore" "$coll" <<'PY'
import os, sys
ignore, coll = sys.argv[1:]
lines = [l for l in open(ignore).read().splitlines()
         if not l.strip() or l.lstrip().startswith("#") or os.path.exists(os.path.join(coll, l.split()[0]))]
open(ignore, "w").write("\n".join(lines) + "\n")
PY

# Tests that cannot run here, and why. Everything else runs.
skips=()
skip() { skips+=(--skip-test "$1"); echo "sanity: skipping $1: $2"; }
skip changelog "needs antsibull-changelog, which is on PyPI only (make lint runs tests/scripts/changelog.py check instead)"
need() {  # need TEST PYTHON-MODULE DEBIAN-PACKAGE
  "$py" -c "import $2" 2>/dev/null || skip "$1" "needs Python module $2: apt-get install $3"
}
need validate-modules voluptuous python3-voluptuous
need validate-modules jinja2 python3-jinja2
need ansible-doc packaging python3-packaging
need pylint pylint pylint
need yamllint yamllint yamllint
need pep8 pycodestyle python3-pycodestyle
command -v shellcheck >/dev/null || skip shellcheck "needs shellcheck: apt-get install shellcheck"

export HOME="${XDG_CACHE_HOME:-$HOME/.cache}/rhpds-litellm_virtual_keys/ansible-test"
mkdir -p "$HOME"
export LC_ALL=C.UTF-8 ANSIBLE_TEST_PREFER_VENV=1
args=(--python "$pyver" --python-interpreter "$py" "${skips[@]}")
cd "$coll"
"$py" "$repo/tests/scripts/sanity_venvs.py" "${args[@]}" >"$work/prime.log" 2>&1 || {
  cat "$work/prime.log"; echo "sanity ($what): FAILED (preparing the test environments)"; exit 1; }
if ansible-test sanity "${args[@]}" >"$work/sanity.log" 2>&1; then
  grep -v -E '^Running sanity test|^WARNING: (Using locale|Reviewing previous)|^$' "$work/sanity.log" | sed 's/^/  /' || true
  echo "sanity ($what): ok"
else
  grep -v -E '^Running sanity test' "$work/sanity.log" | sed 's/^/  /'
  echo "sanity ($what): FAILED"; exit 1
fi
