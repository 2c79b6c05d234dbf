// Command litellm_vk is every Go module of the collection in one binary (a
// multi-call binary, like busybox): one copy of the Go runtime, net/http,
// crypto/tls, pgx and validator per platform instead of one per module, which
// is what keeps four platforms inside Galaxy's 20 MB limit.
//
// The module to run is the name it is called by (argv[0], as the action
// plugins call it, or Ansible's AnsiballZ_<module> copy on a remote host), or
// else the first argument:
//
//	litellm_vk litellm_key ARGS_FILE
//
// To add a module, add one line to modules. The action plugins in
// plugins/action/ pick the binary for the task host's platform and run it.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rhpds/litellm_virtual_keys/internal/keyinfo"
	"github.com/rhpds/litellm_virtual_keys/internal/keymodule"
	"github.com/rhpds/litellm_virtual_keys/internal/labkeys"
	"github.com/rhpds/litellm_virtual_keys/internal/userinfo"
)

// modules maps each module's short name to its entry point (which reads
// os.Args[1] as the args file, prints the result and exits).
var modules = map[string]func(){
	"litellm_key":         keymodule.Main,
	"agnosticd_user_info": userinfo.Main,
	"litellm_key_info":    keyinfo.Main,
	"litellm_lab_keys":    labkeys.Main,
}

func main() {
	if run, ok := modules[calledAs(os.Args[0])]; ok {
		run()
		return
	}
	if len(os.Args) > 1 {
		if run, ok := modules[os.Args[1]]; ok {
			os.Args = os.Args[1:]
			run()
			return
		}
	}
	names := make([]string, 0, len(modules))
	for n := range modules {
		names = append(names, n)
	}
	sort.Strings(names)
	// The same one-line JSON failure the modules print, so Ansible shows it as the task's msg.
	fmt.Printf("{\"failed\": true, \"msg\": %q}\n", fmt.Sprintf(
		"usage: %s MODULE ARGS_FILE, where MODULE is one of: %s", filepath.Base(os.Args[0]), strings.Join(names, ", ")))
	os.Exit(2)
}

// calledAs is the module name in argv[0]: its base name without Ansible's
// AnsiballZ_ prefix or an extension.
func calledAs(arg0 string) string {
	name := strings.TrimPrefix(filepath.Base(arg0), "AnsiballZ_")
	return strings.TrimSuffix(name, filepath.Ext(name))
}
