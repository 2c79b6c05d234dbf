#!/usr/bin/env bash
# ansible-core-next.sh [CMD [ARGS...]]
# Runs CMD with Debian trixie's ansible-core (2.19) first on PATH, on this machine's own
# /usr/bin/python3; without CMD prints the ansible-playbook --version line.
#
# ansible-core 2.19 changed templating deeply (data tagging, conditionals must be booleans, stricter
# undefined handling); execution environments run it. Debian bookworm ships 2.14, trixie 2.19. Set up:
#   - ansible-core and python3-resolvelib (1.1; 2.19's ansible-galaxy needs >= 1.0) are fetched with
#     `apt-get download` through a private apt configuration (a trixie sources list, lists and cache
#     in the cache directory): the machine's own sources, lists and packages are never changed, and
#     nothing needs root; signatures are checked against the installed debian-archive-keyring;
#   - both are unpacked with dpkg-deb -x, and bin/ holds wrappers running /usr/bin/python3 with
#     PYTHONPATH pointing into the unpacked tree;
#   - all of it is cached in ${XDG_CACHE_HOME:-~/.cache}/rhpds-litellm_virtual_keys/ansible-core-next
#     and reused while it works (delete the directory to fetch trixie's current packages again).
# Environment: DEBIAN_MIRROR (default http://deb.debian.org/debian), NEXT_SUITE (default trixie).
set -euo pipefail
suite=${NEXT_SUITE:-trixie}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache="${XDG_CACHE_HOME:-$HOME/.cache}/rhpds-litellm_virtual_keys/ansible-core-next"
root="$cache/root"; bin="$cache/bin"
py=/usr/bin/python3
[ -x "$py" ] || { echo "ansible-core-next: $py is required" >&2; exit 1; }

works() { [ -x "$bin/ansible-playbook" ] && "$bin/ansible-playbook" --version >/dev/null 2>&1; }

setup() {
  if ! command -v apt-get >/dev/null || ! command -v dpkg-deb >/dev/null; then
    echo "ansible-core-next: needs apt-get and dpkg-deb (Debian or Ubuntu)" >&2; return 1
  fi
  local tmp apt
  mkdir -p "$cache"
  tmp=$(mktemp -d "$cache/setup.XXXXXX")
  apt="$tmp/apt"
  mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/etc/preferences.d" "$apt/etc/apt.conf.d" "$tmp/debs" "$tmp/root"
  echo "deb $mirror $suite main" >"$apt/etc/sources.list"
  local opts=(
    -o "Dir::Etc::SourceList=$apt/etc/sources.list" -o "Dir::Etc::SourceParts=$apt/etc/sources.list.d"
    -o "Dir::Etc::Preferences=$apt/etc/preferences" -o "Dir::Etc::PreferencesParts=$apt/etc/preferences.d"
    -o "Dir::State::Lists=$apt/lists" -o "Dir::Cache=$apt/cache" -o "Dir::State::status=/dev/null"
    -o "Debug::NoLocking=1" -o "APT::Sandbox::User=$(id -un)" -o "Acquire::Languages=none"
    -o "APT::Architecture=$(dpkg --print-architecture)" -o "APT::Architectures::=$(dpkg --print-architecture)"
  )
  echo "ansible-core-next: fetching ansible-core and python3-resolvelib from Debian $suite ($mirror)" >&2
  apt-get "${opts[@]}" -qq update >"$tmp/update.log" 2>&1 || { cat "$tmp/update.log" >&2; rm -rf "$tmp"; return 1; }
  (cd "$tmp/debs" && apt-get "${opts[@]}" -qq download ansible-core python3-resolvelib) >"$tmp/download.log" 2>&1 ||
    { cat "$tmp/download.log" >&2; rm -rf "$tmp"; return 1; }
  local deb
  for deb in "$tmp"/debs/*.deb; do dpkg-deb -x "$deb" "$tmp/root"; done
  mkdir -p "$tmp/bin"
  local tool
  for tool in "$tmp"/root/usr/bin/ansible*; do
    tool=$(basename "$tool")
    # shellcheck disable=SC2016  # ${PYTHONPATH...} is for the wrapper to expand, not here
    printf '#!/bin/sh\n# %s from Debian %s (%s), on %s\nPYTHONPATH="%s/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}" exec %s "%s/usr/bin/%s" "$@"\n' \
      "$tool" "$suite" "$(cd "$tmp/debs" && echo *.deb)" "$py" "$root" "$py" "$root" "$tool" >"$tmp/bin/$tool"
    chmod +x "$tmp/bin/$tool"
  done
  rm -rf "$root" "$bin"
  mv "$tmp/root" "$root"; mv "$tmp/bin" "$bin"
  (cd "$tmp/debs" && ls) >"$cache/packages.txt"
  rm -rf "$tmp"
  works || { echo "ansible-core-next: the unpacked ansible-core does not run:" >&2; "$bin/ansible-playbook" --version >&2; return 1; }
}

# One setup at a time (parallel make test runs share the cache).
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9
works || setup
flock -u 9
exec 9>&-

export PATH="$bin:$PATH"
if [ $# = 0 ]; then
  ansible-playbook --version | sed -n 1p
  exit 0
fi
exec "$@"
