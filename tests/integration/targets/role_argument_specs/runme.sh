#!/usr/bin/env bash
# meta/argument_specs.yml: ansible-doc -t role renders every entry point and option; the spec
# and defaults/main.yml agree (every variable, its default and type); the role README's table
# lists every variable (the README table is what the predecessor's users read).
set -euo pipefail
role=rhpds.litellm_virtual_keys.ocp4_workload_litellm_virtual_keys
root="$ANSIBLE_COLLECTIONS_PATH/ansible_collections/rhpds/litellm_virtual_keys/roles/ocp4_workload_litellm_virtual_keys"
doc=$(ansible-doc -t role "$role")
for ep in main workload remove_workload; do
  grep -q "ENTRY POINT: \*\*\?$ep\*\*\?\|ENTRY POINT: $ep" <<<"$doc" || { echo "FAIL: ansible-doc shows no entry point $ep"; exit 1; }
done
grep -q "ocp4_workload_litellm_virtual_keys_on_secret_unknown" <<<"$doc" || { echo "FAIL: ansible-doc shows no options"; exit 1; }
echo "ok: ansible-doc -t role renders main, workload and remove_workload"
/usr/bin/python3 - "$root" "$REPO_ROOT/roles/ocp4_workload_litellm_virtual_keys/README.md" <<'PY'
import sys, yaml
root, readme = sys.argv[1], open(sys.argv[2]).read()
defaults = yaml.safe_load(open(root + '/defaults/main.yml'))
specs = yaml.safe_load(open(root + '/meta/argument_specs.yml'))['argument_specs']
problems = []
opts = specs['main']['options']
for ep in ('workload', 'remove_workload'):
    if specs[ep]['options'] != opts:
        problems.append('entry point %s has other options than main' % ep)
types = {'str': str, 'int': int, 'float': (int, float), 'bool': bool, 'list': list, 'dict': dict}
for name, value in defaults.items():
    spec = opts.get(name)
    if spec is None:
        problems.append('%s is in defaults/main.yml but not in the argument spec' % name); continue
    if not spec.get('description'):
        problems.append('%s has no description' % name)
    templated = isinstance(value, str) and '{{' in value or isinstance(value, dict) and '{{' in str(value)
    if templated:
        if 'default' in spec:
            problems.append('%s: a templated default is described, not repeated' % name)
        continue
    if value is None:
        if spec.get('default') is not None:
            problems.append('%s: defaults say null, the spec %r' % (name, spec['default']))
        continue
    if spec.get('default') != value:
        problems.append('%s: defaults say %r, the spec %r' % (name, value, spec.get('default')))
    t = spec.get('type', 'str')
    if t != 'raw' and not isinstance(value, types[t]):
        problems.append('%s: default %r is not of type %s' % (name, value, t))
    if 'choices' in spec and value not in spec['choices']:
        problems.append('%s: default %r is not among its choices' % (name, value))
short = lambda n: n.replace('ocp4_workload_litellm_virtual_keys_', '')
for name in opts:
    if name.startswith('ocp4_workload_litellm_virtual_keys_') and name not in defaults:
        problems.append('%s is in the spec but not in defaults/main.yml' % name)
for name in defaults:
    if '| `%s` |' % short(name) not in readme:
        problems.append('the role README table has no row for %s' % short(name))
if problems:
    print('FAIL:\n  ' + '\n  '.join(problems)); sys.exit(1)
print('ok: %d variables: spec, defaults and the README table agree' % len(defaults))
PY
