# -*- coding: utf-8 -*-
# Copyright: Red Hat, Inc.
# SPDX-License-Identifier: MIT
"""Run this collection's Go modules: one multi-call binary per platform, picked at run time.

The collection ships ``bin/litellm_vk-<os>-<arch>`` for every supported platform (see PLATFORMS).
Each binary serves every module, chosen by the name it is called by (argv[0]). The action plugin of
a module (plugins/action/<module>.py) picks the binary for the host the task runs on:

* local connection (``hosts: localhost``, ``delegate_to: localhost``) without become: the
  controller's platform; the binary runs in place with a private 0600 args file, like Ansible runs
  a binary module but without copying it for every task;
* any other connection, or become: the platform from the host's facts, else ``uname -sm``; the
  binary is copied to the host's temporary directory as ``AnsiballZ_<module>`` and run there the
  way Ansible runs any binary module.

Every way this cannot work (no binaries, no binary for the platform, a binary that is not
executable) fails the task with one line that names the cause and the fix.
"""
from __future__ import absolute_import, division, print_function

__metaclass__ = type

import inspect
import json
import os
import platform
import stat
import subprocess
import tempfile

from ansible.module_utils.common.text.converters import to_native, to_text
from ansible.plugins.action import ActionBase
from ansible.vars.clean import remove_internal_keys

COLLECTION = 'rhpds.litellm_virtual_keys'
BINARY = 'litellm_vk'
PLATFORMS = ('linux/amd64', 'linux/arm64', 'darwin/amd64', 'darwin/arm64')
RELEASES = 'https://github.com/rhpds/litellm_virtual_keys/releases'
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN_DIR = os.path.join(ROOT, 'bin')

_OS = {'linux': 'linux', 'darwin': 'darwin'}
# uname -m (and Ansible's architecture fact) -> GOARCH; CPUs beyond PLATFORMS work when a binary was built for them.
_ARCH = {'x86_64': 'amd64', 'amd64': 'amd64', 'aarch64': 'arm64', 'arm64': 'arm64',
         'ppc64le': 'ppc64le', 's390x': 's390x', 'riscv64': 'riscv64'}


class BinaryError(Exception):
    """Why no binary can run the module; its text is the task's one-line msg."""


def go_platform(system, machine):
    """``('Linux', 'x86_64')`` -> ``'linux/amd64'``; None when either part is not one Go knows here."""
    goos = _OS.get(to_text(system or '').strip().lower())
    goarch = _ARCH.get(to_text(machine or '').strip().lower())
    return '%s/%s' % (goos, goarch) if goos and goarch else None


def controller_platform():
    return platform.system(), platform.machine()


def binary_for(module, system, machine):
    """Path of the binary that runs module on a host of this system/machine, or BinaryError."""
    want = go_platform(system, machine)
    shipped = sorted(f[len(BINARY) + 1:].replace('-', '/', 1) for f in _listdir(BIN_DIR) if f.startswith(BINARY + '-'))
    if not shipped:
        raise BinaryError(
            '%s: this copy of %s at %s has no module binaries (no %s/): it was installed from a git branch or '
            'a source checkout, which carry none. Install a release: `ansible-galaxy collection install %s` (Galaxy), '
            'the release tarball from %s, or type: git with version: a release tag; in a source checkout run `make build`'
            % (module, COLLECTION, ROOT, 'bin', COLLECTION, RELEASES))
    path = os.path.join(BIN_DIR, '%s-%s' % (BINARY, want.replace('/', '-'))) if want else None
    if want in shipped:
        return path
    if want not in PLATFORMS:
        raise BinaryError(
            '%s: unsupported platform %s %s on the task host; supported: %s. Run the task on a supported host '
            '(e.g. delegate_to: localhost), or build this collection for it from a source checkout '
            '(`make dist DIST_GOOS=... DIST_GOARCH=...`)' % (module, system, machine, ', '.join(PLATFORMS)))
    raise BinaryError(
        '%s: this copy of %s has no binary for %s (it has %s): install the release tarball from Galaxy or %s, '
        'which holds all of %s, or in a source checkout run `make build GOOS=%s GOARCH=%s`'
        % (module, COLLECTION, want, ', '.join(shipped), RELEASES, ', '.join(PLATFORMS), want.split('/')[0], want.split('/')[1]))


def check_executable(module, path):
    mode = os.stat(path).st_mode
    if not os.access(path, os.X_OK) or not stat.S_ISREG(mode):
        raise BinaryError(
            '%s: %s is not executable (mode %04o): reinstall %s from its release tarball '
            '(`ansible-galaxy collection install --force ...`), or `chmod 0755` it'
            % (module, path, stat.S_IMODE(mode), COLLECTION))


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []


def run_local(module, path, args, env=None):
    """Run module from binary path on the controller with args (a dict); returns (rc, stdout, stderr)."""
    check_executable(module, path)
    fd, args_path = tempfile.mkstemp(prefix='%s-' % module, suffix='.json')  # mode 0600: the args hold secrets
    try:
        with os.fdopen(fd, 'w') as fh:
            json.dump(args, fh)
        proc = subprocess.run([module, args_path], executable=path, env=env, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
    finally:
        os.unlink(args_path)
    return proc.returncode, to_text(proc.stdout, errors='surrogate_or_strict'), to_text(proc.stderr, errors='surrogate_or_replace')


def _parse_takes_profile():
    """ansible-core 2.19 added a required serialization profile to ActionBase._parse_returned_data."""
    try:
        return 'profile' in inspect.signature(ActionBase._parse_returned_data).parameters
    except (TypeError, ValueError):
        return False


_PARSE_TAKES_PROFILE = _parse_takes_profile()


class GoModuleAction(ActionBase):
    """Action plugin of a Go module of this collection; subclasses set MODULE."""

    MODULE = None
    TRANSFERS_FILES = False  # a local run needs no temporary directory; _run_remote makes its own
    # True: always run on the controller, whatever host the play targets (a module whose files are
    # the controller's, like litellm_lab_keys).
    CONTROLLER_ONLY = False

    def _module_args(self, task_vars):
        """The module's arguments before Ansible's internal ones; subclasses may add to them."""
        del task_vars
        return dict(self._task.args)

    def _parse_result(self, res):
        # Binary modules speak the 'legacy' JSON profile, the one ansible-core 2.19 gives every
        # non-Python module; 2.14-2.18 take no profile.
        if _PARSE_TAKES_PROFILE:
            return self._parse_returned_data(res, 'legacy')  # pylint: disable=too-many-function-args
        return self._parse_returned_data(res)

    def run(self, tmp=None, task_vars=None):
        task_vars = task_vars or {}
        result = super(GoModuleAction, self).run(tmp, task_vars)
        del tmp
        module = self.MODULE
        if self._task.async_val:
            result.update(failed=True, msg='%s: async is not supported by this Go module; run it without async/poll' % module)
            return result
        module_args = self._module_args(task_vars)
        self._update_module_args(self._task.action, module_args, task_vars)
        try:
            if self.CONTROLLER_ONLY or (self._connection.transport == 'local' and not self._play_context.become):
                data = self._run_controller(module, module_args)
            else:
                data = self._run_remote(module, module_args, task_vars)
        except BinaryError as e:
            result.update(failed=True, msg=to_text(e))
            return result
        remove_internal_keys(data)
        result.update(data)
        return result

    def _run_controller(self, module, module_args):
        path = binary_for(module, *controller_platform())
        env = dict(os.environ)
        task_env = {}
        self._compute_environment_string(task_env)
        env.update((to_native(k), to_native(v)) for k, v in task_env.items())
        rc, out, err = run_local(module, path, module_args, env)
        return self._parse_result(dict(rc=rc, stdout=out, stderr=err))

    def _remote_platform(self, task_vars):
        facts = {} if self._task.delegate_to else task_vars.get('ansible_facts') or {}  # a delegate's facts may be another host's
        if facts.get('system') and facts.get('architecture'):
            return facts['system'], facts['architecture']
        res = self._low_level_execute_command('uname -sm', sudoable=False)
        words = to_text(res.get('stdout', '')).split()
        if res.get('rc') != 0 or len(words) != 2:
            raise BinaryError('%s: cannot tell the task host\'s platform (`uname -sm` answered rc=%s: %s); supported: %s'
                              % (self.MODULE, res.get('rc'), to_text(res.get('stderr') or res.get('stdout')).strip()[:200],
                                 ', '.join(PLATFORMS)))
        return words[0], words[1]

    def _run_remote(self, module, module_args, task_vars):
        path = binary_for(module, *self._remote_platform(task_vars))
        tmpdir = self._connection._shell.tmpdir or self._make_tmp_path()
        # Ansible's own names for a binary module: the multi-call binary reads the module from argv[0].
        remote_bin = self._connection._shell.join_path(tmpdir, 'AnsiballZ_%s' % module)
        remote_args = self._connection._shell.join_path(tmpdir, 'args')
        module_args['_ansible_tmpdir'] = None if self._is_become_unprivileged() else tmpdir
        try:
            self._transfer_file(path, remote_bin)
            self._transfer_data(remote_args, json.dumps(module_args))
            self._fixup_perms2([tmpdir, remote_bin, remote_args], self._get_remote_user())
            cmd = self._connection._shell.build_module_command(self._compute_environment_string(), None, remote_bin,
                                                               arg_path=remote_args).strip()
            res = self._low_level_execute_command(cmd, sudoable=True)
            return self._parse_result(res)
        finally:
            self._remove_tmp_path(tmpdir)
