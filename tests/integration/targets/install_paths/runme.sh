#!/usr/bin/env bash
# Every way users install the collection, each followed by a provision and a destroy of the role
# against fake-litellm (roundtrip.yml), and every way it cannot work failing on the first module task
# with one line that names the fix:
#   tarball      the make dist tarball: <= 20 MB, exactly the four platform binaries (check_tarball.py)
#   file, url    requirements files with type: file, and type: url from a local HTTP server
#   git          a branch of a throw-away clone (fails: no binaries), then make release in it and the
#                tag through git+file://<clone>,<tag> and a requirements file with type: git
#   failures     an unsupported remote platform, a collection without the host's binary, a binary
#                without exec bit
#   remote       the remote path (binary copied to the host, platform from uname -sm) through a
#                connection plugin that is not `local` (remote.yml: litellm_key, since the role's
#                litellm_lab_keys always runs on the controller)
set -euo pipefail
here=$(pwd)
version=$(sed -n 's/^version: *//p' "$REPO_ROOT/galaxy.yml")
tarball="$REPO_ROOT/dist/rhpds-litellm_virtual_keys-$version.tar.gz"
tmp=$TARGET_TMP
export ANSIBLE_CONNECTION_PLUGINS="$here/connection_plugins"
pids=()
stop_servers() { local p; for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done; }
trap stop_servers EXIT
t0=$SECONDS
step() { printf -- "--- %s (at %ss)\n" "$*" $((SECONDS - t0)); }

# install NAME ARGS...: ansible-galaxy collection install ARGS into a fresh collections path
install() {
  local name=$1; shift
  coll="$tmp/coll-$name"
  ansible-galaxy collection install -p "$coll" "$@" >"$tmp/install-$name.log" 2>&1 \
    || { cat "$tmp/install-$name.log"; echo "install $name failed"; exit 1; }
}
# roundtrip NAME [ARGS...]: provision + destroy through the collection in $coll
roundtrip() {
  local name=$1; shift
  ANSIBLE_COLLECTIONS_PATH=$coll ansible-playbook -i "$REPO_ROOT/tests/integration/inventory" "$here/${PLAYBOOK:-roundtrip.yml}" \
    -e guid="ip-$name-$RANDOM" "$@" >"$tmp/play-$name.log" 2>&1 \
    || { tail -30 "$tmp/play-$name.log"; echo "provision + destroy after install '$name' failed"; exit 1; }
  echo "ok: $name: provision + destroy"
}
# fails NAME TEXT [ARGS...]: the role's first module task fails (rc 2, not Ansible's rc 4 for an
# unresolvable action) with a one-line msg holding TEXT, without a traceback
fails() {
  local name=$1 text=$2; shift 2
  local log="$tmp/fail-$name.log" rc=0
  ANSIBLE_COLLECTIONS_PATH=$coll ansible-playbook -i "$REPO_ROOT/tests/integration/inventory" "$here/${PLAYBOOK:-roundtrip.yml}" \
    -e guid="ip-$name-$RANDOM" "$@" >"$log" 2>&1 || rc=$?
  python3 - "$log" "$rc" "$text" <<'PY' || { cat "$log"; exit 1; }
import json, re, sys
log, rc, text = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out = open(log).read()
assert rc == 2, f"rc {rc}, want 2 (a failed task)"
for bad in ("couldn't resolve module/action", "Traceback", "MODULE FAILURE", "Exec format error"):
    assert bad not in out, f"output has {bad!r}"
fatal = [l for l in out.splitlines() if l.startswith("fatal: ")]
assert len(fatal) == 1, f"want one failed task, got {fatal}"
msg = json.loads(fatal[0].split("=> ", 1)[1])["msg"]
assert "\n" not in msg and text in msg, f"msg {msg!r} lacks {text!r}"
print("ok: fails with: " + msg[:160] + ("..." if len(msg) > 160 else ""))
PY
}

step "tarball: size and contents"
python3 "$here/check_tarball.py" "$tarball"

step "requirements file, type: file"
printf -- '---\ncollections:\n  - name: %s\n    type: file\n' "$tarball" >"$tmp/req-file.yml"
install file -r "$tmp/req-file.yml"
roundtrip file

step "requirements file, type: url (HTTP on 127.0.0.1)"
python3 -u -m http.server --bind 127.0.0.1 --directory "$REPO_ROOT/dist" 0 >"$tmp/http.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do port=$(sed -n 's/.* port \([0-9]*\).*/\1/p' "$tmp/http.out"); [ -n "$port" ] && break; sleep 0.05; done
[ -n "$port" ] || { cat "$tmp/http.out"; echo "http.server did not start"; exit 1; }
printf -- '---\ncollections:\n  - name: http://127.0.0.1:%s/%s\n    type: url\n' "$port" "$(basename "$tarball")" >"$tmp/req-url.yml"
install url -r "$tmp/req-url.yml"
roundtrip url

step "remote path: binary copied to the host, platform from uname -sm"
PLAYBOOK=remote.yml roundtrip remote -e ansible_connection=fake_remote
# ... and the role on such a host still works: litellm_lab_keys runs on the controller
roundtrip remote-role -e ansible_connection=fake_remote
PLAYBOOK=remote.yml FAKE_UNAME="Linux armv7l" fails remote-armv7l "unsupported platform Linux armv7l on the task host; supported: linux/amd64, linux/arm64, darwin/amd64, darwin/arm64" \
  -e ansible_connection=fake_remote

step "a collection without the binary of the host's platform"
rm "$coll/ansible_collections/rhpds/litellm_virtual_keys/bin/litellm_vk-linux-arm64"
PLAYBOOK=remote.yml FAKE_UNAME="Linux aarch64" fails no-linux-arm64 "has no binary for linux/arm64 (it has darwin/amd64, darwin/arm64, linux/amd64): install the release tarball" \
  -e ansible_connection=fake_remote

step "a binary without its exec bit"
hostbin="$coll/ansible_collections/rhpds/litellm_virtual_keys/bin/litellm_vk-$(go env GOOS)-$(go env GOARCH)"
chmod 0644 "$hostbin"
fails not-executable "is not executable (mode 0644): reinstall rhpds.litellm_virtual_keys from its release tarball"

step "git branch (no binaries)"
clone="$tmp/clone"
git clone -q "file://$REPO_ROOT" "$clone"
branch=$(git -C "$clone" symbolic-ref --short HEAD)
install git-branch "git+file://$clone,$branch"
fails git-branch "has no module binaries (no bin/): it was installed from a git branch or a source checkout"

step "make release in the throw-away clone"
export GIT_AUTHOR_NAME=release-test GIT_AUTHOR_EMAIL=release-test@example.com
export GIT_COMMITTER_NAME=release-test GIT_COMMITTER_EMAIL=release-test@example.com
(cd "$clone" && make --no-print-directory release VERSION="$version") >"$tmp/release.log" 2>&1 \
  || { cat "$tmp/release.log"; echo "make release failed"; exit 1; }
sed 's/^/    /' "$tmp/release.log" | grep 'release '
[ "$(git -C "$clone" cat-file -t "$version")" = tag ] || { echo "make release made no annotated tag $version"; exit 1; }
[ "$(git -C "$clone" rev-parse "$version^{commit}^")" = "$(git -C "$clone" rev-parse HEAD)" ] \
  || { echo "the release commit is not a child of HEAD"; exit 1; }
# The listings are read whole first: with pipefail, `ls-tree | grep -q` fails when grep stops
# reading at its match and ls-tree, still writing, dies of SIGPIPE.
branch_files=$(git -C "$clone" ls-tree -r --name-only "$branch")
tag_files=$(git -C "$clone" ls-tree -r --name-only "$version")
grep -q -E '^bin/|^plugins/modules/.*[.]sh$' <<<"$branch_files" && { echo "branch $branch carries build outputs"; exit 1; }
grep -q -x plugins/modules/litellm_key.sh <<<"$tag_files" || { echo "the tag lacks the doc anchors"; exit 1; }
python3 "$here/check_tarball.py" "$clone/dist/$(basename "$tarball")" >/dev/null
[ "$(git -C "$clone" show "$version:bin/SHA256SUMS")" = "$(tar -xzOf "$clone/dist/$(basename "$tarball")" bin/SHA256SUMS)" ] \
  || { echo "the tag's binaries differ from the release tarball's"; exit 1; }
if git -C "$REPO_ROOT" diff --quiet HEAD -- go && [ -z "$(git -C "$REPO_ROOT" status --porcelain -- go)" ]; then
  # Same sources, same Go: the clone's release binaries are byte for byte the ones make dist built here.
  diff <(git -C "$clone" show "$version:bin/SHA256SUMS") "$REPO_ROOT/bin/SHA256SUMS" \
    || { echo "rebuilding the same sources gave different binaries: the build is not reproducible"; exit 1; }
  echo "ok: release binaries are reproducible (same SHA256SUMS as make dist here)"
else
  echo "note: go/ has local changes, so the reproducibility check is skipped"
fi
echo "ok: tag $version: HEAD + bin/, tarball and tag carry the same binaries"
# Pack the new objects once, as a push to the repository host does; otherwise every clone below
# would recompress the binaries' loose objects (about 20 s each here).
git -C "$clone" -c core.bigFileThreshold=1m repack -adq

step "git tag, on the command line"
install git-cli "git+file://$clone,$version"
roundtrip git-cli

step "git tag, requirements file type: git"
printf -- '---\ncollections:\n  - name: file://%s\n    type: git\n    version: "%s"\n' "$clone" "$version" >"$tmp/req-git.yml"
install git-req -r "$tmp/req-git.yml"
roundtrip git-req

echo "install_paths: ok (${SECONDS}s)"
