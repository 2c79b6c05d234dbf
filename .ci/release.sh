#!/usr/bin/env bash
# .ci/release.sh X.Y.Z (run by `make release VERSION=X.Y.Z`): cut release X.Y.Z from HEAD.
#   1. checks: X.Y.Z is galaxy.yml's version, the tracked tree is clean, tag X.Y.Z does not exist
#   2. make dist: bin/litellm_vk-<os>-<arch> for every platform, bin/SHA256SUMS, and the Galaxy
#      tarball dist/rhpds-litellm_virtual_keys-X.Y.Z.tar.gz built from exactly that tree
#   3. a commit whose parent is HEAD and whose tree is HEAD's plus bin/ (on no branch: branches never
#      carry binaries), and the annotated tag X.Y.Z on it, so that
#      `type: git, version: X.Y.Z` installs working modules
# It pushes nothing: `git push origin X.Y.Z` publishes the tag, and CI (.github/workflows/release.yml)
# verifies the binaries against a rebuild and publishes the tarball to Galaxy and the release page.
set -euo pipefail
cd "$(dirname "$0")/.."
version=${1:-}
die() { echo "release: $*" >&2; exit 1; }
[[ $version =~ ^[0-9]+\.[0-9]+\.[0-9]+([-+][0-9A-Za-z.-]+)?$ ]] || die "VERSION must be x.y.z (semantic versioning), got '${version}'"
have=$(sed -n 's/^version: *//p' galaxy.yml)
[ "$have" = "$version" ] || die "galaxy.yml says version $have: set it to $version (with its changelog), commit, then make release VERSION=$version"
git rev-parse --verify -q HEAD >/dev/null || die "not in a git checkout with a commit"
git diff --quiet HEAD -- || die "the working tree has uncommitted changes to tracked files: commit or stash them first"
! git rev-parse -q --verify "refs/tags/$version" >/dev/null || die "tag $version exists already"

make --no-print-directory dist
tarball=dist/rhpds-litellm_virtual_keys-$version.tar.gz
[ -f "$tarball" ] || die "make dist did not write $tarball"

# The tag's tree: HEAD's tree plus bin/ and the doc anchors plugins/modules/*.sh (build outputs,
# gitignored on branches), added through a private index.
index=$(mktemp "${TMPDIR:-/tmp}/release-index.XXXXXX")
trap 'rm -f "$index"' EXIT
GIT_INDEX_FILE=$index git read-tree HEAD
GIT_INDEX_FILE=$index git add -f bin/ plugins/modules/*.sh
tree=$(GIT_INDEX_FILE=$index git write-tree)
head=$(git rev-parse HEAD)
platforms=$(for f in bin/litellm_vk-*; do f=${f#bin/litellm_vk-}; printf '%s ' "${f/-//}"; done)
platforms=${platforms% }
commit=$(git commit-tree "$tree" -p "$head" -m "Release $version: module binaries for $platforms

Built by make release from $head with $(go version | cut -d' ' -f3) (-trimpath, no VCS stamp):
rebuilding that commit with the same Go gives the same bytes, see bin/SHA256SUMS.")
git tag -a "$version" -m "rhpds.litellm_virtual_keys $version" "$commit"
echo "release $version: tag $version -> $(git rev-parse --short "$commit") (HEAD $(git rev-parse --short "$head") + bin/: $platforms)"
echo "release $version: tarball $tarball ($(du -m "$tarball" | cut -f1) MB)"
echo "release $version: publish with: git push origin $version"
