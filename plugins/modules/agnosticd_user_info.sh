#!/bin/sh
# Documentation anchor of the Go module rhpds.litellm_virtual_keys.agnosticd_user_info: ansible-doc and the module
# loader find this file and read the docs in agnosticd_user_info.yml next to it. Tasks never run it: the action
# plugin plugins/action/agnosticd_user_info.py runs the module from bin/litellm_vk-<os>-<arch> for the task host.
echo '{"failed": true, "msg": "rhpds.litellm_virtual_keys.agnosticd_user_info runs through its action plugin (plugins/action/agnosticd_user_info.py), which Ansible did not use: reinstall the collection from its release tarball"}'
