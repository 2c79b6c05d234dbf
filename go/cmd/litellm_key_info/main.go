// Command litellm_key_info is the rhpds.litellm_virtual_keys.litellm_key_info
// Ansible module: a read-only inventory of LiteLLM virtual keys. See
// internal/keyinfo and plugins/modules/litellm_key_info.yml.
package main

import "github.com/rhpds/litellm_virtual_keys/internal/keyinfo"

func main() { keyinfo.Main() }
