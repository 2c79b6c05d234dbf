#!/bin/sh
# Documentation anchor of the Go module rhpds.litellm_virtual_keys.litellm_key: ansible-doc and the module
# loader find this file and read the docs in litellm_key.yml next to it. Tasks never run it: the action
# plugin plugins/action/litellm_key.py runs the module from bin/litellm_vk-<os>-<arch> for the task host.
echo '{"failed": true, "msg": "rhpds.litellm_virtual_keys.litellm_key runs through its action plugin (plugins/action/litellm_key.py), which Ansible did not use: reinstall the collection from its release tarball"}'
