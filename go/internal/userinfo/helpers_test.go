package userinfo

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rhpds/litellm_virtual_keys/internal/ansible"
	"github.com/stretchr/testify/require"
)

// TestMain stops the PyYAML oracle after the tests.
func TestMain(m *testing.M) {
	code := m.Run()
	if o, err := theOracle(); err == nil && o != nil {
		o.close()
	}
	os.Exit(code)
}

// oracle is one long-running python3 testdata/oracle.py shared by all tests
// of the package (starting Python and importing PyYAML costs ~100 ms, which
// per case made this package's tests slow). Requests are serialised.
type oracle struct {
	mu  sync.Mutex
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

var theOracle = sync.OnceValues(func() (*oracle, error) {
	// Read the oracle's files here too: go test caches results by the files
	// the test binary opens, and would not see python3 read them.
	helpers, _ := filepath.Glob(filepath.Join("testdata", "*.*"))
	for _, f := range helpers {
		_, _ = os.ReadFile(f)
	}
	cmd := exec.Command("python3", filepath.Join("testdata", "oracle.py"))
	cmd.Stderr = os.Stderr
	in, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start python3 testdata/oracle.py: %w", err)
	}
	return &oracle{cmd: cmd, in: in, out: bufio.NewReaderSize(out, 1<<20)}, nil
})

func (o *oracle) close() {
	_ = o.in.Close()
	_ = o.cmd.Wait()
}

// ask sends one request and decodes the answer's "ok" into v (json.Number for
// numbers, so 1 and 1.0 stay distinguishable).
func askOracle(t *testing.T, req any, v any) {
	t.Helper()
	o, err := theOracle()
	require.NoError(t, err)
	b, err := json.Marshal(req)
	require.NoError(t, err)
	o.mu.Lock()
	_, err = o.in.Write(append(b, '\n'))
	var line []byte
	if err == nil {
		line, err = o.out.ReadBytes('\n')
	}
	o.mu.Unlock()
	require.NoError(t, err, "oracle")
	var resp struct {
		OK    json.RawMessage `json:"ok"`
		Error string          `json:"error"`
	}
	require.NoError(t, json.Unmarshal(line, &resp))
	require.Empty(t, resp.Error, "oracle")
	dec := json.NewDecoder(bytes.NewReader(resp.OK))
	dec.UseNumber()
	require.NoError(t, dec.Decode(v))
}

// pyLoad returns what PyYAML's safe_load reads from each file, in the
// oracle's canonical form (see testdata/oracle.py).
func pyLoad(t *testing.T, paths ...string) []any {
	t.Helper()
	var v []any
	askOracle(t, map[string]any{"load": paths}, &v)
	require.Len(t, v, len(paths))
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
	return execModuleJSON(t, b)
}

// execModuleJSON runs the module with a raw args file (key order and
// NaN/Infinity tokens as written).
func execModuleJSON(t *testing.T, args []byte) map[string]any {
	t.Helper()
	out := quoteNonFinite(ansible.Execute(context.Background(), ModuleName, args, Run))
	var res map[string]any
	dec := json.NewDecoder(bytes.NewReader(out))
	dec.UseNumber()
	require.NoError(t, dec.Decode(&res), string(out))
	return res
}

// quoteNonFinite makes a module's output decodable by encoding/json: the bare
// NaN, Infinity and -Infinity tokens (which Python's json reads) become the
// strings "<NaN>", "<Infinity>" and "<-Infinity>".
func quoteNonFinite(b []byte) []byte {
	var out []byte
	inString, escaped := false, false
	for i := 0; i < len(b); i++ {
		c := b[i]
		switch {
		case inString && escaped:
			escaped = false
		case inString && c == '\\':
			escaped = true
		case c == '"':
			inString = !inString
		case !inString:
			for _, tok := range []string{"NaN", "Infinity", "-Infinity"} {
				if bytes.HasPrefix(b[i:], []byte(tok)) {
					out = append(out, `"<`+tok+`>"`...)
					i += len(tok) - 1
					c = 0
					break
				}
			}
		}
		if c != 0 {
			out = append(out, c)
		}
	}
	return out
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(b)
}
