# -*- coding: utf-8 -*-
# Copyright: Red Hat, Inc.
# SPDX-License-Identifier: MIT
"""Lookup rhpds.litellm_virtual_keys.agnosticd_user_data: read back {output_dir}/{action}-user-data.yaml.

A drop-in for AgnosticD's lookup of the same name (same terms, same user and action options, same
results), plus dotted names, an explicit output_dir, a default, and the current run's action.
output_dir and ACTION are resolved by plugins/plugin_utils/agnosticd.py, as for agnosticd_user_info.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: agnosticd_user_data
short_description: Read back the user data that agnosticd_user_info saved
version_added: 2.1.0
author:
  - Red Hat Demo Platform (RHDP) team (@rhpds)
description:
  - Returns values from C({output_dir}/{action}-user-data.yaml), the data file that
    M(rhpds.litellm_virtual_keys.agnosticd_user_info) (and AgnosticD's C(agnosticd_user_info)) writes,
    on the B(controller). One value per term, in order.
  - A drop-in for AgnosticD's lookup C(agnosticd_user_data) - the same terms, I(user) and I(action), the same
    results - that also descends dotted names, takes I(output_dir) and I(default), and can read the current
    run's file (I(current_action)).
  - I(output_dir) is resolved like agnosticd_user_info resolves it - the play variable C(output_dir), else
    C(hostvars.localhost.output_dir), else C(playbook_dir), else C(.); empty values fall through - so the
    lookup reads where the module writes. A relative directory is taken relative to the current directory
    of the C(ansible-playbook) process, as the module does. (AgnosticD's lookup does not consult
    C(hostvars.localhost.output_dir).)
  - A missing file, or one that is empty, is no data - not an error. A file that is not a YAML mapping
    (a list, text, several documents, a syntax error) is no data either, with a one-line warning that
    names the file but never shows its content. A file that exists but cannot be read fails the lookup.
options:
  _terms:
    description:
      - Names of values in the data file.
      - C(*) returns the whole data (with I(user) - that user's entry).
      - A name that is a key of the data returns its value. Otherwise a dotted name descends through
        mappings - C(users.user1) is the entry of C(user1), C(users.user1.litellm_virtual_key) a value in it;
        a part made of digits also matches an integer key (C(users.3) finds the user C(3)).
      - A name not present returns I(default).
    type: list
    elements: raw
    required: true
  user:
    description:
      - Read the entry of this user (C(users.<user>) in the data file) instead of the top level.
      - Matched exactly as given - a number only an integer key (as agnosticd_user_info writes it for
        C(user=3)), a string only a string key.
    type: raw
  action:
    description:
      - The file read is C({action}-user-data.yaml).
      - C(provision) by default, as in AgnosticD, B(whatever the play's ACTION) - the data a provision
        saved, which is what a later C(destroy), C(stop) or C(start) run needs.
      - Mutually exclusive with I(current_action).
    type: str
    default: provision
  current_action:
    description:
      - Read the file this run's agnosticd_user_info writes - the action resolved exactly as that module
        resolves it (the play variable C(ACTION), else C(hostvars.localhost.ACTION), else C(provision); only
        an undefined C(ACTION) falls through to localhost's) - instead of I(action).
    type: bool
    default: false
  output_dir:
    description:
      - The directory of the data file, instead of the one resolved from play variables. An empty value
        falls through to the resolved one, as with agnosticd_user_info.
    type: str
  default:
    description:
      - Returned for a name that is not present and, for C(*), when there is no data (no file, an empty
        file, a file that is not a mapping, or no entry for I(user)).
      - When not given, what AgnosticD's lookup returns - null for a name that is not present, and for
        C(*) the data, which is C({}) without a file, or null for a I(user) without an entry.
    type: raw
notes:
  - Like every lookup it runs on the controller, whatever host the task targets.
  - The data holds virtual keys and other secrets - use C(no_log) on tasks that show what it returns.
seealso:
  - module: rhpds.litellm_virtual_keys.agnosticd_user_info
'''

EXAMPLES = r'''
- name: The virtual key that the provision of this lab published
  ansible.builtin.debug:
    msg: "{{ lookup('rhpds.litellm_virtual_keys.agnosticd_user_data', 'litellm_virtual_key') }}"

- name: Everything a provision stored, from a destroy run (ACTION=destroy reads provision-user-data.yaml)
  ansible.builtin.set_fact:
    saved: "{{ lookup('rhpds.litellm_virtual_keys.agnosticd_user_data', '*') }}"

- name: One user's key, two ways
  ansible.builtin.set_fact:
    key1: "{{ lookup('rhpds.litellm_virtual_keys.agnosticd_user_data', 'users.user1.litellm_virtual_key') }}"
    key2: "{{ lookup('rhpds.litellm_virtual_keys.agnosticd_user_data', 'litellm_virtual_key', user='user2') }}"

- name: Several names at once, with a default for those not there
  ansible.builtin.set_fact:
    endpoint_and_models: >-
      {{ query('rhpds.litellm_virtual_keys.agnosticd_user_data', 'litellm_api_base_url', 'litellm_available_models',
               default='') }}

- name: What this run has written so far (e.g. destroy-user-data.yaml when ACTION=destroy), from another directory
  ansible.builtin.set_fact:
    this_run: >-
      {{ lookup('rhpds.litellm_virtual_keys.agnosticd_user_data', '*', current_action=true,
                output_dir='/tmp/lab-output', default={}) }}
'''

RETURN = r'''
_raw:
  description:
    - One value per term - the value of the name (any type the data file holds), the whole data for C(*),
      or I(default) for a name that is not present.
  type: list
  elements: raw
'''

import errno
import re

import yaml

from ansible.errors import AnsibleLookupError
from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.module_utils.six import string_types
from ansible.plugins.lookup import LookupBase
from ansible.utils.display import Display
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.agnosticd import (
    resolve_action, resolve_output_dir, user_data_path)

display = Display()

NAME = 'agnosticd_user_data'
OPTIONS = frozenset(('user', 'action', 'current_action', 'output_dir', 'default'))
_INT = re.compile(r'^-?[0-9]+$')
# Marks a value that is not there, which differs from a value that is null.
_MISSING = object()
# libyaml when PyYAML has it: a data file of a thousand users loads several times faster.
_LOADER = getattr(yaml, 'CSafeLoader', yaml.SafeLoader)


def load_user_data(path):
    """The mapping in the data file at path, or None: no file, an empty file (AgnosticD: {}), or not a
    mapping (warned about, without the content). A file that cannot be read raises AnsibleLookupError."""
    try:
        with open(path, 'rb') as fh:
            data = yaml.load(fh, Loader=_LOADER)
    except (IOError, OSError) as e:
        if e.errno in (errno.ENOENT, errno.ENOTDIR):  # no file there (also under a file)
            return None
        raise AnsibleLookupError('%s: cannot read %s: %s' % (NAME, path, to_native(e.strerror or e)))
    except yaml.YAMLError as e:
        # The error's text quotes the file around the problem: give only its position.
        mark = getattr(e, 'problem_mark', None)
        where = ' (line %d)' % (mark.line + 1) if mark is not None else ''
        display.warning('%s: %s is not a YAML document%s; using the default' % (NAME, path, where))
        return None
    if not data:
        return None
    if not isinstance(data, dict):
        display.warning('%s: %s holds a %s, not a mapping; using the default' % (NAME, path, _kind(data)))
        return None
    return data


def _kind(value):
    if isinstance(value, string_types):
        return 'string'
    if isinstance(value, list):
        return 'list'
    return type(value).__name__


def _key(mapping, part):
    """mapping[part], also as an integer key when part is made of digits; _MISSING when absent."""
    try:
        if part in mapping:
            return mapping[part]
    except TypeError:  # an unhashable part (a list or a dict) is no key
        return _MISSING
    if isinstance(part, string_types) and _INT.match(part):
        return mapping.get(int(part), _MISSING)
    return _MISSING


def find(data, term):
    """The value of term in data: the key itself, else a dotted path through mappings; _MISSING if absent."""
    if not isinstance(data, dict):
        return _MISSING
    value = _key(data, term)
    if value is not _MISSING or not isinstance(term, string_types) or '.' not in term:
        return value
    value = data
    for part in to_text(term).split('.'):
        value = _key(value, part) if isinstance(value, dict) else _MISSING
        if value is _MISSING:
            break
    return value


class LookupModule(LookupBase):

    def run(self, terms, variables=None, **kwargs):
        bad = sorted(set(kwargs) - OPTIONS)
        if bad:
            raise AnsibleLookupError('Invalid options for %s: %s' % (NAME, ','.join(bad)))
        self.set_options(var_options=variables, direct=kwargs)
        variables = variables or {}
        has_default = 'default' in kwargs
        default = self.get_option('default')

        if self.get_option('current_action'):
            if 'action' in kwargs:
                raise AnsibleLookupError('%s: action and current_action are mutually exclusive' % NAME)
            action = resolve_action(variables, self._templar)
        else:
            action = to_text(self.get_option('action') or 'provision')
        path = user_data_path(resolve_output_dir(variables, self._templar, self.get_option('output_dir')), action)
        data = load_user_data(path)

        user = self.get_option('user')
        scoped = user is not None and user != ''
        if scoped:  # AgnosticD: users.<user>, null without an entry
            users = data.get('users') if data else None
            try:  # the key exactly as given, as AgnosticD: user='3' is not the integer user 3
                data = users.get(user) if isinstance(users, dict) else None
            except TypeError:  # an unhashable user (a list or a dict) has no entry
                data = None
            whole = data if data is not None or not has_default else default
        else:
            whole = data if data else (default if has_default else {})

        ret = []
        for term in terms:
            if term == '*':
                ret.append(whole)
                continue
            value = find(data, term)
            ret.append((default if has_default else None) if value is _MISSING else value)
        return ret
