# -*- coding: utf-8 -*-
# Copyright: Red Hat, Inc.
# SPDX-License-Identifier: MIT
"""Action plugin of rhpds.litellm_virtual_keys.litellm_key_info: runs the Go module for the task host's platform."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.rhpds.litellm_virtual_keys.plugins.plugin_utils.gomodule import GoModuleAction


class ActionModule(GoModuleAction):
    MODULE = 'litellm_key_info'
