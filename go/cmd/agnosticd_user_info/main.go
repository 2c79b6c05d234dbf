// Command agnosticd_user_info is the Ansible module
// rhpds.litellm_virtual_keys.agnosticd_user_info (see internal/userinfo).
package main

import "github.com/rhpds/litellm_virtual_keys/internal/userinfo"

func main() { userinfo.Main() }
