# -*- coding: utf-8 -*-
# Copyright: Red Hat, Inc.
# SPDX-License-Identifier: MIT
"""Action plugin of rhpds.litellm_virtual_keys.litellm_lab_keys.

Resolves ``output_dir`` and ``action`` from play variables like agnosticd_user_info (the rules are in
plugins/plugin_utils/agnosticd.py; a destroy with no ACTION anywhere is ``destroy``), and runs the Go
module on the controller, whatever host the play targets: the user-info files are the controller's.
All logic lives in the Go module (go/internal/labkeys).
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible.module_utils.common.text.converters import to_text
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.agnosticd import resolve_action, resolve_output_dir
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.gomodule import GoModuleAction


class ActionModule(GoModuleAction):
    MODULE = 'litellm_lab_keys'
    CONTROLLER_ONLY = True

    def _module_args(self, task_vars):
        args = dict(self._task.args)
        default_action = 'destroy' if to_text(args.get('state', '')) == 'absent' else None
        args['output_dir'] = resolve_output_dir(task_vars, self._templar, args.get('output_dir'))
        args['action'] = resolve_action(task_vars, self._templar, args.get('action'), default_action)
        return args
