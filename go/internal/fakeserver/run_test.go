package fakeserver

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rhpds/litellm_virtual_keys/internal/testpg"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestMain doubles as the fake-litellm command when FAKESERVER_CLI_HELPER=1,
// so the SIGTERM test runs a real process without building the binary.
func TestMain(m *testing.M) {
	if os.Getenv("FAKESERVER_CLI_HELPER") == "1" {
		var args []string
		_ = json.Unmarshal([]byte(os.Getenv("FAKESERVER_CLI_ARGS")), &args)
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := Run(ctx, args, os.Stdout, os.Stderr)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, "fake-litellm:", err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(testpg.Run(m)) // test databases reused between tests
}

// syncBuffer is a goroutine-safe bytes.Buffer.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func get(t *testing.T, url, key string) int {
	t.Helper()
	req, err := http.NewRequest("GET", url, nil)
	require.NoError(t, err)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	_, _ = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode
}

func TestRunServesAndLogs(t *testing.T) {
	logFile := filepath.Join(t.TempDir(), "requests.jsonl")
	pr, pw := io.Pipe()
	var stderr syncBuffer
	var stdoutRest syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- Run(ctx, []string{"--master-key", testMaster, "--port", "0", "--request-log", logFile,
			"--seed-keys", "3", "--models", "a/one, b/two", "--faults", `{"faults":[{"action":"status","route":"/v1/models","status":503,"count":1}]}`},
			pw, &stderr)
		pw.Close()
	}()
	br := bufio.NewReader(pr)
	line, err := br.ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(&stdoutRest, br) }()
	base := strings.TrimSuffix(line, "\n")
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, base)

	assert.Equal(t, 503, get(t, base+"/v1/models", testMaster), "--faults applied")
	assert.Equal(t, 200, get(t, base+"/v1/models", testMaster))
	assert.Equal(t, 404, get(t, base+"/key/info?key=sk-secret-in-query-1234", testMaster))
	assert.Equal(t, 200, get(t, base+"/health/liveliness", ""))
	req, _ := http.NewRequest("GET", base+"/key/list?size=100", nil)
	req.Header.Set("Authorization", "Bearer "+testMaster)
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var l listResponse
	require.NoError(t, json.NewDecoder(res.Body).Decode(&l))
	res.Body.Close()
	assert.Equal(t, 4, l.TotalCount, "3 seeded keys and the master row")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(10 * time.Second):
		t.Fatal("Run did not stop")
	}

	data, err := os.ReadFile(logFile)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	require.Len(t, lines, 5, "one line per request")
	var first logLine
	require.NoError(t, json.Unmarshal([]byte(lines[0]), &first))
	assert.Equal(t, "GET", first.Method)
	assert.Equal(t, "/v1/models", first.Path)
	assert.Equal(t, 503, first.Status)
	assert.GreaterOrEqual(t, first.DurationMS, 0.0)
	_, err = time.Parse(time.RFC3339Nano, first.Time)
	assert.NoError(t, err)
	assert.Contains(t, lines[2], `"path":"/key/info"`)
	for _, out := range []string{string(data), stderr.String(), line + stdoutRest.String()} {
		assert.NotContains(t, out, testMaster)
		assert.NotContains(t, out, "sk-secret-in-query")
	}
	assert.Empty(t, stdoutRest.String(), "stdout holds only the URL")
}

func TestRunFlags(t *testing.T) {
	t.Setenv(EnvMasterKey, "")
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"--port", "0"}, &out, &errb)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "master-key")
	assert.Empty(t, out.String())

	require.Error(t, Run(context.Background(), []string{"--master-key", "x", "--port", "70000"}, &out, &errb))
	require.Error(t, Run(context.Background(), []string{"--master-key", "x", "--faults", `{"faults":[{"action":"nope"}]}`}, &out, &errb))
	require.NoError(t, Run(context.Background(), []string{"-h"}, &out, &errb), "help is not an error")

	// The master key may come from the environment.
	t.Setenv(EnvMasterKey, testMaster)
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() { done <- Run(ctx, []string{"--port", "0"}, pw, io.Discard); pw.Close() }()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	assert.Equal(t, 200, get(t, strings.TrimSpace(line)+"/key/info", testMaster))
	cancel()
	require.NoError(t, <-done)
}

func TestRunDatabaseURLNeverPrinted(t *testing.T) {
	const pw = "Sup3r-secret-pw"
	dsn := "postgres://fake:" + pw + "@127.0.0.1:1/litellm?connect_timeout=2"
	var out, errb bytes.Buffer
	err := Run(context.Background(), []string{"--master-key", testMaster, "--port", "0", "--database-url", dsn}, &out, &errb)
	require.Error(t, err)
	for _, s := range []string{err.Error(), out.String(), errb.String()} {
		assert.NotContains(t, s, pw)
		assert.NotContains(t, s, dsn)
		assert.NotContains(t, s, testMaster)
	}
}

// TestCLISigterm runs the command as a real process: first stdout line is
// the URL, SIGTERM stops it with exit status 0.
func TestCLISigterm(t *testing.T) {
	args, _ := json.Marshal([]string{"--port", "0"})
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "FAKESERVER_CLI_HELPER=1", "FAKESERVER_CLI_ARGS="+string(args), EnvMasterKey+"="+testMaster)
	stdout, err := cmd.StdoutPipe()
	require.NoError(t, err)
	var stderr syncBuffer
	cmd.Stderr = &stderr
	require.NoError(t, cmd.Start())
	t.Cleanup(func() { _ = cmd.Process.Kill() })
	line, err := bufio.NewReader(stdout).ReadString('\n')
	require.NoError(t, err)
	base := strings.TrimSpace(line)
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, base)
	assert.Equal(t, 200, get(t, base+"/health/readiness", ""))
	require.NoError(t, cmd.Process.Signal(syscall.SIGTERM))
	waitErr := make(chan error, 1)
	go func() { waitErr <- cmd.Wait() }()
	select {
	case err := <-waitErr:
		require.NoError(t, err, "exit status 0; stderr: %s", stderr.String())
	case <-time.After(10 * time.Second):
		t.Fatal("no exit after SIGTERM")
	}
	assert.NotContains(t, stderr.String(), testMaster)
}
