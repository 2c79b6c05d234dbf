// Command litellm_key is the rhpds.litellm_virtual_keys.litellm_key Ansible
// module: it creates, finds, converges and deletes LiteLLM virtual keys. See
// internal/keymodule and plugins/modules/litellm_key.yml.
package main

import "github.com/rhpds/litellm_virtual_keys/internal/keymodule"

func main() { keymodule.Main() }
