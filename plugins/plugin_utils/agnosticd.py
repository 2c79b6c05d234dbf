# -*- coding: utf-8 -*-
# Copyright: Red Hat, Inc.
# SPDX-License-Identifier: MIT
"""Where AgnosticD's user-info files are: output_dir and ACTION, resolved from play variables.

The one place for these rules; the action plugin agnosticd_user_info (where it writes) and the
lookup agnosticd_user_data (where it reads) both use them (docs/agnosticd-user-info.md, "Where the
files are"):

* output_dir: the explicit value, else the play variable ``output_dir``, else
  ``hostvars.localhost.output_dir``, else ``playbook_dir``, else ``.``; an empty value falls through.
* action: the explicit value, else the play variable ``ACTION``, else ``hostvars.localhost.ACTION``,
  else ``provision``. Only an *undefined* ``ACTION`` falls through to localhost's: a host whose
  ``ACTION`` is ``""`` or null gets ``provision`` (AgnosticD's first ``default()`` has no ``true``).

A relative output_dir is returned as it is: the Go module opens it relative to the controller
process's current directory, and so must any reader (see user_data_path).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from ansible.module_utils.common.text.converters import to_text

DEFAULT_OUTPUT_DIR = '.'
DEFAULT_ACTION = 'provision'


def _localhost(task_vars, name):
    """hostvars.localhost[name], or None (no hostvars, no localhost entry, undefined)."""
    try:
        localhost = task_vars.get('hostvars', {}).get('localhost') or {}
        return localhost.get(name)
    except Exception:  # hostvars without a localhost entry (an undefined that refuses bool())
        return None


def _first(templar, *candidates):
    """The first candidate that templates to a non-empty value, as text (empty values fall through)."""
    for value in candidates:
        value = templar.template(value)
        if value:
            return to_text(value)
    return None


def resolve_output_dir(task_vars, templar, explicit=None):
    """The directory of the user-info files (text, possibly relative), resolved like AgnosticD."""
    task_vars = task_vars or {}
    return _first(templar, explicit, task_vars.get('output_dir'), _localhost(task_vars, 'output_dir'),
                  task_vars.get('playbook_dir'), DEFAULT_OUTPUT_DIR)


def resolve_action(task_vars, templar, explicit=None, default=None):
    """The action the user-info files are named after (text), resolved like AgnosticD; default (else
    provision) when ACTION is undefined on the host and on localhost."""
    task_vars = task_vars or {}
    # Only an undefined ACTION falls through to localhost's: an empty one means provision.
    action = task_vars.get('ACTION') if 'ACTION' in task_vars else _localhost(task_vars, 'ACTION')
    return _first(templar, explicit, action, default if action is None else None, DEFAULT_ACTION)


def with_files(args, task_vars, templar, default_action=None):
    """args with output_dir and action resolved (the explicit values in args win): what a module that
    writes the user-info files on the controller is given."""
    args = dict(args)
    args['output_dir'] = resolve_output_dir(task_vars, templar, args.get('output_dir'))
    args['action'] = resolve_action(task_vars, templar, args.get('action'), default_action)
    return args


def user_data_path(output_dir, action):
    """Absolute path of {output_dir}/{action}-user-data.yaml; a relative output_dir is taken relative to
    the current directory, as the Go module does."""
    return os.path.join(os.path.abspath(output_dir), '%s-user-data.yaml' % action)
