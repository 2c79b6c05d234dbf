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
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.agnosticd import with_files
from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.gomodule import GoModuleAction


class ActionModule(GoModuleAction):
    MODULE = 'litellm_lab_keys'
    CONTROLLER_ONLY = True

    def _module_args(self, task_vars):
        # A destroy with no ACTION anywhere writes destroy-user-data.yaml, not provision's.
        default_action = 'destroy' if to_text(self._task.args.get('state', '')) == 'absent' else None
        return with_files(self._task.args, task_vars, self._templar, default_action)
