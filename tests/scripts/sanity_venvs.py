"""Prepare ansible-test's sanity virtual environments from the Python packages already installed.

ansible-test creates one virtual environment per sanity test and pip-installs pinned packages from
PyPI into it. Machines that cannot reach PyPI get none of them, and those tests fail. This runs
`ansible-test sanity --prime-venvs ARGS...` with two functions replaced: environments are created
with `--system-site-packages` (so Debian's python3-voluptuous, pylint, yamllint, pycodestyle,
python3-jinja2 ... are used) and nothing is pip-installed. ansible-test itself then finds the
environments ready (its marker file) and runs unmodified. Used by tests/scripts/sanity.sh.
"""
import os
import subprocess
import sys

from ansible_test._internal import main as ansible_test_main
from ansible_test._internal.commands import sanity


def create_virtual_environment(args, python, path, system_site_packages=False, pip=False):
    """Create a pip-less environment that sees the system's site-packages."""
    del args, system_site_packages, pip
    cmd = [python.path, '-m', 'venv', '--without-pip', '--system-site-packages', path]
    return subprocess.run(cmd, check=False).returncode == 0


def run_pip(args, python, commands, connection):
    """Install nothing: the system's packages stand in for the pinned ones."""
    del args, python, commands, connection


sanity.create_virtual_environment = create_virtual_environment
sanity.run_pip = run_pip

if __name__ == '__main__':
    sys.argv[0] = 'ansible-test'
    os.environ.setdefault('ANSIBLE_TEST_PREFER_PODMAN', '')
    ansible_test_main(['ansible-test', 'sanity', '--prime-venvs'] + sys.argv[1:])
