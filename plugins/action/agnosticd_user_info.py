# -*- coding: utf-8 -*-
# Copyright: Red Hat, Inc.
# SPDX-License-Identifier: MIT
"""Controller shim of rhpds.litellm_virtual_keys.agnosticd_user_info.

Resolves ``action`` and ``output_dir`` from play variables exactly like AgnosticD (the rules are in
plugins/plugin_utils/agnosticd.py, shared with litellm_lab_keys and the lookup agnosticd_user_data),
runs the Go module on the controller, whatever host the play targets (plugins/plugin_utils/gomodule.py),
and prints the result like ``debug``. All file logic lives in the Go module (go/internal/userinfo).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.agnosticd import with_files
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.gomodule import GoModuleAction

# AgnosticD's options, plus output_dir and action to override the resolution from play variables,
# and default_action for a task that knows which action it belongs to when no ACTION is set.
VALID_ARGS = frozenset(('msg', 'body', 'data', 'user', 'users', 'data_prefix', 'output_dir', 'action', 'default_action'))


class ActionModule(GoModuleAction):
    MODULE = 'agnosticd_user_info'
    CONTROLLER_ONLY = True  # the files are the controller's

    def run(self, tmp=None, task_vars=None):
        bad = sorted(set(self._task.args) - VALID_ARGS)
        if bad:  # AgnosticD's own message
            return dict(failed=True, msg='Invalid options for agnosticd_user_info: %s' % ','.join(bad))
        result = super(ActionModule, self).run(tmp, task_vars)
        result['_ansible_verbose_always'] = True
        return result

    def _module_args(self, task_vars):
        return with_files(self._task.args, task_vars, self._templar, self._task.args.get('default_action'))
