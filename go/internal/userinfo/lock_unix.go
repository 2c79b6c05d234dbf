//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package userinfo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"time"
)

// lockFile holds an exclusive flock(2) on a lock file. flock locks belong to
// the open file description, so they serialise goroutines of one process as
// well as separate processes (forks, several ansible-playbook runs).
type lockFile struct{ f *os.File }

// lock takes an exclusive lock on path, creating the file (0600) if needed. It
// polls a non-blocking flock so that ctx can end the wait.
func lock(ctx context.Context, path string) (*lockFile, error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open lock file: %w", err)
	}
	wait := time.Millisecond
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return &lockFile{f: f}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) && !errors.Is(err, syscall.EINTR) {
			_ = f.Close()
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			_ = f.Close()
			return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
		case <-t.C:
		}
		if wait < 20*time.Millisecond {
			wait *= 2
		}
	}
}

// unlock releases the lock (closing the file releases the flock).
func (l *lockFile) unlock() error { return l.f.Close() }
