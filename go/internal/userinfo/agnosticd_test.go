package userinfo

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// agnosticdCase is one case of testdata/agnosticd_cases.yml, as the oracle
// gives it.
type agnosticdCase struct {
	Name       string            `json:"name"`
	Files      map[string]string `json:"files"`
	Calls      []string          `json:"calls"`    // args-file JSON
	Sequence   []string          `json:"sequence"` // the single calls a bulk call stands for
	Bulk       bool              `json:"bulk"`
	Failed     []bool            `json:"failed"`
	ResultMsg  []any             `json:"result_msg"`
	Expect     map[string]any    `json:"expect"`
	ExpectText map[string]string `json:"expect_text"`
}

// withOutputDir adds output_dir to a call's args JSON.
func withOutputDir(t *testing.T, args, dir string) []byte {
	t.Helper()
	d, err := json.Marshal(dir)
	require.NoError(t, err)
	rest := strings.TrimSpace(args)
	require.True(t, strings.HasPrefix(rest, "{"), args)
	rest = strings.TrimSpace(rest[1:])
	if rest != "}" {
		rest = ", " + rest
	}
	return []byte(`{"output_dir": ` + string(d) + rest)
}

// runCalls writes the case's files into a new directory, runs calls there and
// returns the directory and the results.
func runCalls(t *testing.T, c agnosticdCase, calls []string) (string, []map[string]any) {
	t.Helper()
	dir := t.TempDir()
	for name, text := range c.Files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o600))
	}
	var res []map[string]any
	for _, args := range calls {
		res = append(res, execModuleJSON(t, withOutputDir(t, args, dir)))
	}
	return dir, res
}

func yamlFiles(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") {
			names = append(names, e.Name())
		}
	}
	return names
}

// TestAgnosticDCases: the files, failures and result messages AgnosticD v2
// gives for each case of testdata/agnosticd_cases.yml (the integration target
// user_info_agnosticd checks these expected values against AgnosticD's own
// plugin). A call with users: must also leave exactly the bytes the sequence
// of single calls leaves.
func TestAgnosticDCases(t *testing.T) {
	t.Parallel()
	var cases []agnosticdCase
	askOracle(t, map[string]any{"cases": filepath.Join("testdata", "agnosticd_cases.yml")}, &cases)
	require.NotEmpty(t, cases)
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			t.Parallel()
			dir, res := runCalls(t, c, c.Calls)
			for i, r := range res {
				_, failed := r["failed"]
				assert.Equal(t, c.Failed[i], failed, "call %d failed: %v", i, r)
				if c.ResultMsg != nil {
					assert.Equal(t, c.ResultMsg[i], r["msg"], "call %d result msg", i)
				}
			}
			names := yamlFiles(t, dir)
			want := slices.Sorted(maps.Keys(c.Expect))
			for n := range c.ExpectText {
				if _, ok := c.Expect[n]; !ok {
					want = append(want, n)
				}
			}
			assert.ElementsMatch(t, want, names, "files")
			for n, text := range c.ExpectText {
				assert.Equal(t, text, readFile(t, filepath.Join(dir, n)), n)
			}
			if len(c.Expect) > 0 {
				var paths []string
				for _, n := range slices.Sorted(maps.Keys(c.Expect)) {
					paths = append(paths, filepath.Join(dir, n))
				}
				got := pyLoad(t, paths...)
				for i, n := range slices.Sorted(maps.Keys(c.Expect)) {
					assert.Equal(t, c.Expect[n], got[i], "%s:\n%s", n, readFile(t, paths[i]))
				}
			}
			if !c.Bulk {
				return
			}
			seqDir, seqRes := runCalls(t, c, c.Sequence)
			for i, r := range seqRes {
				assert.NotContains(t, r, "failed", "single call %d: %v", i, r)
			}
			assert.ElementsMatch(t, names, yamlFiles(t, seqDir), "the same files as the single calls")
			for _, n := range names {
				assert.Equal(t, readFile(t, filepath.Join(seqDir, n)), readFile(t, filepath.Join(dir, n)),
					"%s: the bytes of the single calls", n)
			}
		})
	}
}
