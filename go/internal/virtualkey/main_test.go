package virtualkey

import (
	"os"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/testpg"
)

// TestMain reuses the test databases between tests (see testpg.Run).
func TestMain(m *testing.M) { os.Exit(testpg.Run(m)) }
