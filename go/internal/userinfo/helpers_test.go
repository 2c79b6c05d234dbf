package userinfo

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/stretchr/testify/require"
)

// pyLoad returns what PyYAML's safe_load reads from each file, decoded from
// JSON with json.Number (so 1 and 1.0 stay distinguishable).
func pyLoad(t *testing.T, paths ...string) []any {
	t.Helper()
	cmd := exec.Command("python3", append([]string{filepath.Join("testdata", "load.py")}, paths...)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	require.NoError(t, err, "python3 testdata/load.py: %s", stderr.String())
	var v []any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&v))
	return v
}

// jsonValue decodes a JSON literal with json.Number, as the runtime does.
func jsonValue(t *testing.T, s string) any {
	t.Helper()
	var v any
	dec := json.NewDecoder(bytes.NewReader([]byte(s)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&v), s)
	return v
}

// execModule runs the module through the runtime with args (a JSON object)
// and returns the decoded result.
func execModule(t *testing.T, args map[string]any) map[string]any {
	t.Helper()
	b, err := json.Marshal(args)
	require.NoError(t, err)
	out := ansible.Execute(context.Background(), ModuleName, b, Run)
	var res map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&res), string(out))
	return res
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
