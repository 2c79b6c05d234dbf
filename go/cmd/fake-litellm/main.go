// Command fake-litellm is a LiteLLM-compatible key-management server for tests
// and offline demos. See internal/fakeserver, docs/litellm-api.md (the contract
// it follows, with --era for the release family) and the README.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/rhpds/litellm_virtual_keys/internal/fakeserver"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := fakeserver.Run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "fake-litellm:", err)
		stop()
		os.Exit(1)
	}
}
