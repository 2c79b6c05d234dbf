"""The changelog, offline, in antsibull-changelog's format (changelogs/config.yaml says how it is laid out).

  python3 tests/scripts/changelog.py check            fragments valid; CHANGELOG.md agrees with changelog.yaml
  python3 tests/scripts/changelog.py render           rewrite CHANGELOG.md from changelogs/changelog.yaml
  python3 tests/scripts/changelog.py release VERSION [DATE]
                                                      move the fragments into changelog.yaml as VERSION
                                                      (DATE: YYYY-MM-DD, default today), delete them and
                                                      re-render CHANGELOG.md (antsibull-changelog release
                                                      does the same where PyPI is reachable)

ansible-test's `changelog` sanity test needs antsibull-changelog from PyPI; `check` is what make lint runs
instead. Unreleased changes live in changelogs/fragments/ only: adding a fragment never makes CHANGELOG.md
disagree, so parallel branches each add their own file and merge without conflicts.
"""
import datetime
import os
import re
import sys

import yaml

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CHANGELOGS = os.path.join(ROOT, 'changelogs')
CHANGELOG_MD = os.path.join(ROOT, 'CHANGELOG.md')

INTRO = """\
All notable changes to `{title}`. Versions follow semantic versioning; the role's
variables, message strings, user-info data keys and facts are the public interface.

This file is generated from `changelogs/changelog.yaml` (antsibull-changelog's format) by
`tests/scripts/changelog.py render`: edit that file, not this one. Changes not released yet are
fragments in `changelogs/fragments/` until the next release collects them.
"""


def load_yaml(path):
    with open(path, encoding='utf-8') as f:
        return yaml.safe_load(f)


def config():
    return load_yaml(os.path.join(CHANGELOGS, 'config.yaml'))


def version_key(version):
    return tuple(int(p) for p in re.findall(r'\d+', version)[:3])


def md_text(text):
    """antsibull-changelog entries are RST: ``code`` becomes `code`; lines are joined."""
    return re.sub(r'``([^`]+)``', r'`\1`', ' '.join(str(text).split()))


def render(cfg, changes):
    prelude = cfg['prelude_section_name']
    out = ['# %s Release Notes' % cfg['title'], '', INTRO.format(title=cfg['title'])]
    releases = changes.get('releases') or {}
    for version in sorted(releases, key=version_key, reverse=True):
        release = releases[version]
        out.append('## v%s (%s)' % (version, release.get('release_date', 'unreleased')))
        out.append('')
        entries = release.get('changes') or {}
        if entries.get(prelude):
            out += ['### %s' % cfg['prelude_section_title'], '', md_text(entries[prelude]), '']
        for name, title in cfg['sections']:
            if entries.get(name):
                out += ['### %s' % title, '']
                out += ['- %s' % md_text(e) for e in entries[name]]
                out.append('')
    return '\n'.join(out).rstrip('\n') + '\n'


def fragment_problems(cfg, rel, data):
    names = {s[0] for s in cfg['sections']}
    prelude, trivial = cfg['prelude_section_name'], cfg['trivial_section_name']
    if not isinstance(data, dict) or not data:
        return ['%s: a fragment is a mapping of section names to lists of entries' % rel]
    problems = []
    for key, value in data.items():
        if key == prelude:
            if not isinstance(value, str) or not value.strip():
                problems.append('%s: %s must be one non-empty string' % (rel, key))
        elif key in names or key == trivial:
            if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
                problems.append('%s: %s must be a non-empty list of non-empty strings' % (rel, key))
        else:
            problems.append('%s: unknown section %r (valid: %s)' % (rel, key, ', '.join(sorted(names | {prelude, trivial}))))
    return problems


def fragments(cfg):
    d = os.path.join(CHANGELOGS, cfg['notesdir'])
    if not os.path.isdir(d):
        return []
    return sorted(os.path.join(d, f) for f in os.listdir(d) if f.endswith(('.yml', '.yaml')))


def check():
    cfg = config()
    problems = []
    changes = load_yaml(os.path.join(CHANGELOGS, cfg['changes_file']))
    for version, release in (changes.get('releases') or {}).items():
        if not re.fullmatch(r'\d+\.\d+\.\d+', str(version)):
            problems.append('changelog.yaml: release %r is not a semantic version' % version)
        if not re.fullmatch(r'\d{4}-\d{2}-\d{2}', str(release.get('release_date', ''))):
            problems.append('changelog.yaml: release %s needs release_date YYYY-MM-DD' % version)
        problems += fragment_problems(cfg, 'changelogs/changelog.yaml (%s)' % version, release.get('changes'))
    for path in fragments(cfg):
        try:
            data = load_yaml(path)
        except yaml.YAMLError as e:
            problems.append('%s: %s' % (os.path.relpath(path, ROOT), str(e).splitlines()[0]))
            continue
        problems += fragment_problems(cfg, os.path.relpath(path, ROOT), data)
    galaxy = load_yaml(os.path.join(ROOT, 'galaxy.yml'))
    released = sorted(changes.get('releases') or {}, key=version_key)
    if released and version_key(str(galaxy['version'])) < version_key(released[-1]):
        problems.append('galaxy.yml version %s is older than the last release in changelog.yaml (%s)' % (galaxy['version'], released[-1]))
    with open(CHANGELOG_MD, encoding='utf-8') as f:
        if f.read() != render(cfg, changes):
            problems.append('CHANGELOG.md does not agree with changelogs/changelog.yaml: run python3 tests/scripts/changelog.py render')
    for p in problems:
        print('changelog: ' + p)
    return 1 if problems else 0


def write_md(cfg, changes):
    with open(CHANGELOG_MD, 'w', encoding='utf-8') as f:
        f.write(render(cfg, changes))


def release(version, date):
    cfg = config()
    path = os.path.join(CHANGELOGS, cfg['changes_file'])
    changes = load_yaml(path)
    releases = changes.setdefault('releases', {}) or {}
    changes['releases'] = releases
    if version in releases:
        sys.exit('changelog: %s is already released' % version)
    merged, names = {}, []
    prelude = cfg['prelude_section_name']
    for frag in fragments(cfg):
        data = load_yaml(frag)
        problems = fragment_problems(cfg, os.path.relpath(frag, ROOT), data)
        if problems:
            sys.exit('\n'.join(problems))
        names.append(os.path.basename(frag))
        for key, value in data.items():
            if key == cfg['trivial_section_name']:
                continue
            if key == prelude:
                merged[prelude] = (merged.get(prelude, '') + ' ' + value).strip()
            else:
                merged.setdefault(key, []).extend(value)
    releases[version] = {'changes': merged, 'fragments': names, 'release_date': date}
    with open(path, 'w', encoding='utf-8') as f:
        f.write('---\n')
        yaml.safe_dump(changes, f, sort_keys=False, width=100, allow_unicode=True)
    for frag in fragments(cfg):
        os.remove(frag)
    write_md(cfg, changes)
    print('changelog: released %s from %d fragment(s)' % (version, len(names)))


def main(argv):
    if argv[:1] == ['check']:
        return check()
    if argv[:1] == ['render']:
        cfg = config()
        write_md(cfg, load_yaml(os.path.join(CHANGELOGS, cfg['changes_file'])))
        return 0
    if argv[:1] == ['release'] and len(argv) in (2, 3):
        release(argv[1], argv[2] if len(argv) == 3 else datetime.date.today().isoformat())
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
