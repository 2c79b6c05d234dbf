//go:build linux || darwin || freebsd || netbsd || openbsd || dragonfly

package userinfo

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"
)

// lockFile holds an exclusive flock(2) on the output directory itself: the
// data file cannot carry the lock, because it is replaced by a rename, and a
// directory lock leaves no lock file behind. flock locks belong to the open
// file description, so they serialise goroutines of one process as well as
// separate processes (forks, several ansible-playbook runs).
//
// Writers of one process first queue on a per-directory channel, so that only
// writers of different processes poll the flock.
type lockFile struct {
	f     *os.File
	queue chan struct{}
}

var queues sync.Map // absolute directory -> chan struct{} (capacity 1)

// lock takes an exclusive lock on the directory dir. It polls a non-blocking
// flock so that ctx can end the wait.
func lock(ctx context.Context, path string) (*lockFile, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	q, _ := queues.LoadOrStore(abs, make(chan struct{}, 1))
	queue := q.(chan struct{})
	select {
	case queue <- struct{}{}:
	case <-ctx.Done():
		return nil, fmt.Errorf("wait for lock %s: %w", path, ctx.Err())
	}
	l, err := flockDir(ctx, path)
	if err != nil {
		<-queue
		return nil, err
	}
	l.queue = queue
	return l, nil
}

// flockDir takes the flock on the directory, polling so that ctx can end the
// wait.
func flockDir(ctx context.Context, path string) (*lockFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open output_dir for locking: %w", err)
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
		if wait < 10*time.Millisecond {
			wait *= 2
		}
	}
}

// unlock releases the lock (closing the file releases the flock).
func (l *lockFile) unlock() error {
	err := l.f.Close()
	<-l.queue
	return err
}
