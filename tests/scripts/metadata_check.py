"""The collection's metadata files agree with each other and with the ansible-core that runs the tests.

  python3 tests/scripts/metadata_check.py     (make lint runs it; make test again under ansible-core 2.19)

Checks: galaxy.yml's license and LICENSE; repository, documentation and issues URLs; one of Galaxy's
required tags; build_ignore keeps what Galaxy, ansible-builder and ansible-test read in the tarball;
meta/execution-environment.yml in ansible-builder's format; meta/runtime.yml's requires_ansible is a
valid range that holds the ansible-core on PATH. One line per problem; exit 1 if there is any.
"""
import fnmatch
import os
import re
import subprocess
import sys

import yaml
from packaging.specifiers import SpecifierSet
from packaging.version import Version

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
REPOSITORY = 'https://github.com/rhpds/rhpds.litellm_virtual_keys'
# Galaxy refuses a collection without one of these (ansible-lint's galaxy[tags]).
GALAXY_CATEGORIES = {'application', 'cloud', 'database', 'infrastructure', 'linux', 'monitoring',
                     'networking', 'security', 'storage', 'tools', 'windows'}
# Read from the installed collection: Galaxy (LICENSE, changelog), ansible-builder, ansible-test.
MUST_SHIP = ['LICENSE', 'README.md', 'CHANGELOG.md', 'changelogs/changelog.yaml', 'meta/runtime.yml',
             'meta/execution-environment.yml', 'tests/sanity/ignore-2.14.txt']


def load(rel):
    with open(os.path.join(ROOT, rel), encoding='utf-8') as f:
        return yaml.safe_load(f)


def ansible_core_version():
    out = subprocess.run(['ansible', '--version'], capture_output=True, text=True, check=False).stdout
    m = re.search(r'\[core ([0-9][^\]]*)\]', out)
    return m.group(1) if m else None


def problems():
    found = []
    galaxy = load('galaxy.yml')
    with open(os.path.join(ROOT, 'LICENSE'), encoding='utf-8') as f:
        first = f.readline().strip()
    if galaxy.get('license') != ['MIT'] or first != 'MIT License':
        found.append('galaxy.yml license %r and LICENSE (%r) must both say MIT' % (galaxy.get('license'), first))
    if galaxy.get('repository') != REPOSITORY:
        found.append('galaxy.yml repository must be %s, not %r' % (REPOSITORY, galaxy.get('repository')))
    for key in ('documentation', 'issues', 'homepage'):
        if not str(galaxy.get(key, '')).startswith(REPOSITORY + '/') and galaxy.get(key) != REPOSITORY:
            found.append('galaxy.yml %s must point into %s, not %r' % (key, REPOSITORY, galaxy.get(key)))
    tags = galaxy.get('tags') or []
    if not GALAXY_CATEGORIES & set(tags):
        found.append('galaxy.yml tags need one of %s' % ', '.join(sorted(GALAXY_CATEGORIES)))
    bad_tags = [t for t in tags if not re.fullmatch(r'[a-z0-9_]{1,64}', str(t))]
    if bad_tags or len(tags) > 20:
        found.append('galaxy.yml tags: at most 20, lower case letters, digits and _ (%s)' % ', '.join(map(str, bad_tags)))
    for path in MUST_SHIP:
        if not os.path.exists(os.path.join(ROOT, path)):
            found.append('%s is missing' % path)
        for pattern in galaxy.get('build_ignore') or []:
            if fnmatch.fnmatch(path, pattern) or path.startswith(pattern.rstrip('/') + '/'):
                found.append('galaxy.yml build_ignore %r drops %s from the tarball' % (pattern, path))
    ee = load('meta/execution-environment.yml')
    if not isinstance(ee, dict) or ee.get('version') not in (1, 3) or not isinstance(ee.get('dependencies'), dict):
        found.append('meta/execution-environment.yml needs version (1 or 3) and a dependencies mapping')
    else:
        for key, value in ee['dependencies'].items():
            if key in ('python', 'system') and not os.path.exists(os.path.join(ROOT, str(value))):
                found.append('meta/execution-environment.yml %s: %s does not exist' % (key, value))
    spec = str(load('meta/runtime.yml').get('requires_ansible', ''))
    try:
        specifiers = SpecifierSet(spec)
    except ValueError:
        found.append('meta/runtime.yml requires_ansible %r is not a version range' % spec)
    else:
        core = ansible_core_version()
        if core is None:
            found.append('cannot tell the ansible-core version (ansible --version)')
        elif Version(core) not in specifiers:
            found.append('ansible-core %s runs the tests but meta/runtime.yml requires_ansible is %r' % (core, spec))
    return found


def main():
    found = problems()
    for p in found:
        print('metadata: ' + p)
    return 1 if found else 0


if __name__ == '__main__':
    sys.exit(main())
