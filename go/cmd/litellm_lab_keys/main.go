// Command litellm_lab_keys is the rhpds.litellm_virtual_keys.litellm_lab_keys
// Ansible module: a lab's LiteLLM virtual keys and their AgnosticD user info
// in one call. See internal/labkeys and plugins/modules/litellm_lab_keys.yml.
package main

import "github.com/rhpds/litellm_virtual_keys/internal/labkeys"

func main() { labkeys.Main() }
