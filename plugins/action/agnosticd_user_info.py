# -*- coding: utf-8 -*-
# Copyright: Red Hat, Inc.
# SPDX-License-Identifier: MIT
"""Controller shim of rhpds.litellm_virtual_keys.agnosticd_user_info.

Resolves ``action`` and ``output_dir`` from play variables exactly like AgnosticD (the rules are in
plugins/plugin_utils/agnosticd.py, shared with the lookup agnosticd_user_data), runs the Go module
binary for the controller's platform (plugins/plugin_utils/gomodule.py) on the controller, whatever
host the play targets, and prints the result like ``debug``.
All file logic lives in the Go module (go/internal/userinfo).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.action import ActionBase
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.agnosticd import resolve_action, resolve_output_dir
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.gomodule import BinaryError, binary_for, controller_platform, run_local

MODULE = 'rhpds.litellm_virtual_keys.agnosticd_user_info'
# AgnosticD's options, plus output_dir and action to override the resolution from play variables,
# and default_action for a task that knows which action it belongs to when no ACTION is set.
VALID_ARGS = frozenset(('msg', 'body', 'data', 'user', 'users', 'data_prefix', 'output_dir', 'action', 'default_action'))


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(ActionModule, self).run(tmp, task_vars)
        bad = sorted(set(self._task.args) - VALID_ARGS)
        if bad:
            result.update(failed=True, msg='Invalid options for agnosticd_user_info: %s' % ','.join(bad))
            return result

        args = dict(self._task.args)
        args['output_dir'] = resolve_output_dir(task_vars, self._templar, args.get('output_dir'))
        args['action'] = resolve_action(task_vars, self._templar, args.get('action'), args.get('default_action'))
        args.update(_ansible_check_mode=bool(self._task.check_mode), _ansible_diff=bool(self._task.diff),
                    _ansible_no_log=bool(self._play_context.no_log), _ansible_module_name='agnosticd_user_info')

        try:  # on the controller, whatever host the play targets: the files are the controller's
            rc, stdout, stderr = run_local('agnosticd_user_info', binary_for('agnosticd_user_info', *controller_platform()), args)
        except BinaryError as e:
            result.update(failed=True, msg=to_text(e))
            return result
        try:
            result.update(json.loads(stdout))
        except ValueError:
            result.update(failed=True, msg='MODULE FAILURE', rc=rc,
                          module_stdout=to_native(stdout), module_stderr=to_native(stderr))
        result.setdefault('failed', False)
        result['_ansible_verbose_always'] = True
        return result
