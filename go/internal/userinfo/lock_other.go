//go:build !(linux || darwin || freebsd || netbsd || openbsd || dragonfly)

package userinfo

import (
	"context"
	"errors"
)

// ErrLockUnsupported means this platform has no flock(2); the module refuses
// to write rather than risk lost updates.
var ErrLockUnsupported = errors.New("file locking is not supported on this platform")

type lockFile struct{}

func lock(context.Context, string) (*lockFile, error) { return nil, ErrLockUnsupported }

func (l *lockFile) unlock() error { return nil }
