package userinfo

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const writers = 20

// writerRequests are what writer i sends: a top-level key, a per-user entry
// with a message, and an info line.
func writerRequests(dir string, i int) []Request {
	return []Request{
		{OutputDir: dir, Data: map[string]any{fmt.Sprintf("key_%02d", i): fmt.Sprintf("v%d", i)}, Msg: &Text{Lines: []string{fmt.Sprintf("line %02d", i)}}},
		{OutputDir: dir, User: fmt.Sprintf("user%02d", i), Data: map[string]any{"n": json.Number(fmt.Sprint(i))}, Msg: &Text{Lines: []string{"hello"}}},
		{OutputDir: dir, User: "shared", Msg: &Text{Lines: []string{fmt.Sprintf("from %02d", i)}}},
	}
}

// checkNothingLost loads the files with PyYAML and checks every writer's
// contribution is there.
func checkNothingLost(t *testing.T, dir string, writers int) {
	t.Helper()
	got := pyLoad(t, filepath.Join(dir, "provision-user-data.yaml"), filepath.Join(dir, "provision-user-info.yaml"))
	data, ok := got[0].(map[string]any)
	require.True(t, ok, "%v", got[0])
	users := data["users"].(map[string]any)
	var lines []string
	for _, l := range got[1].([]any) {
		lines = append(lines, l.(string))
	}
	sort.Strings(lines)
	var wantLines []string
	for i := range writers {
		assert.Equal(t, fmt.Sprintf("v%d", i), data[fmt.Sprintf("key_%02d", i)])
		assert.Equal(t, map[string]any{"n": json.Number(fmt.Sprint(i)), "msg": "hello"}, users[fmt.Sprintf("user%02d", i)])
		wantLines = append(wantLines, fmt.Sprintf("line %02d", i))
	}
	assert.Equal(t, wantLines, lines)
	shared := users["shared"].(map[string]any)["msg"].(string)
	for i := range writers {
		assert.Contains(t, shared, fmt.Sprintf("from %02d", i))
	}
	assert.Len(t, shared, writers*len("from 00")+writers-1, "one line per writer")
}

// TestConcurrentGoroutines: 20 writers in one process.
func TestConcurrentGoroutines(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	var wg sync.WaitGroup
	for i := range writers {
		wg.Go(func() {
			for _, r := range writerRequests(dir, i) {
				_, err := Apply(context.Background(), r, Options{})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	checkNothingLost(t, dir, writers)
}

// TestConcurrentProcesses: 10 writer processes (this test binary re-executed).
func TestConcurrentProcesses(t *testing.T) {
	if os.Getenv("USERINFO_WRITER") != "" {
		return
	}
	t.Parallel()
	const writers = 10
	dir := t.TempDir()
	cmds := make([]*exec.Cmd, writers)
	for i := range writers {
		cmds[i] = exec.Command(os.Args[0], "-test.run=^TestWriterProcess$")
		cmds[i].Env = append(os.Environ(), "USERINFO_WRITER="+fmt.Sprint(i), "USERINFO_DIR="+dir)
		require.NoError(t, cmds[i].Start())
	}
	for i, c := range cmds {
		assert.NoError(t, c.Wait(), "writer %d", i)
	}
	checkNothingLost(t, dir, writers)
}

// TestWriterProcess is the body of one writer process of
// TestConcurrentProcesses; it does nothing in a normal run.
func TestWriterProcess(t *testing.T) {
	w := os.Getenv("USERINFO_WRITER")
	if w == "" {
		t.Skip("helper process for TestConcurrentProcesses")
	}
	var i int
	_, err := fmt.Sscan(w, &i)
	require.NoError(t, err)
	for _, r := range writerRequests(os.Getenv("USERINFO_DIR"), i) {
		_, err := Apply(context.Background(), r, Options{})
		require.NoError(t, err)
	}
}

// TestLockWaitsAndTimesOut: a held lock blocks writers until released, and a
// writer gives up when its context ends.
func TestLockWaitsAndTimesOut(t *testing.T) {
	dir := t.TempDir()
	t.Parallel()
	l, err := flockDir(context.Background(), dir) // as another process holds it
	require.NoError(t, err)

	_, err = Apply(context.Background(), Request{OutputDir: dir, Msg: &Text{Lines: []string{"m"}}}, Options{LockTimeout: 50 * time.Millisecond})
	require.ErrorIs(t, err, context.DeadlineExceeded)
	_, statErr := os.Stat(filepath.Join(dir, "provision-user-info.yaml"))
	assert.ErrorIs(t, statErr, os.ErrNotExist, "nothing written without the lock")

	done := make(chan error, 1)
	go func() {
		_, err := Apply(context.Background(), Request{OutputDir: dir, Msg: &Text{Lines: []string{"m"}}}, Options{})
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("writer did not wait for the lock: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	require.NoError(t, l.f.Close())
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(5 * time.Second):
		t.Fatal("writer still blocked after unlock")
	}
	assert.Equal(t, "---\n- \"m\"\n", readFile(t, filepath.Join(dir, "provision-user-info.yaml")))
}
