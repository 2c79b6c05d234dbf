# -*- coding: utf-8 -*-
# SPDX-License-Identifier: MIT
"""Test connection: the local machine, seen by action plugins as a remote host (transport is not
'local'), whose `uname -sm` answers $FAKE_UNAME when that is set."""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = '''
    name: fake_remote
    short_description: the controller, as if it were a remote host
    description:
        - Runs commands locally, but is not the local connection, so modules take their remote path.
        - When the environment variable FAKE_UNAME is set, C(uname -sm) answers it instead.
    author: rhpds.litellm_virtual_keys tests
    extends_documentation_fragment:
        - connection_pipelining
'''

import os

from ansible.plugins.connection.local import Connection as LocalConnection


class Connection(LocalConnection):
    transport = 'fake_remote'

    def exec_command(self, cmd, in_data=None, sudoable=True):
        fake = os.environ.get('FAKE_UNAME')
        if fake and 'uname -sm' in cmd:
            return 0, (fake + '\n').encode(), b''
        return super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
