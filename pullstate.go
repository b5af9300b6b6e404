// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"syscall"
	"time"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/archive"
)

// Bounds of the resumable pull states kept under the cache folder: the
// newest few, none older than a week.
const (
	maxPullStates = 4
	pullStateAge  = 7 * 24 * time.Hour
)

// pullState is a pull's resumable state: the partial archive of one
// package root under $XDG_CACHE_HOME/airlock/pulls (private to the user),
// locked while a pull writes it.
type pullState struct {
	dir  string
	f    *os.File
	lock *os.File
}

// PullCacheDir is where resumable pull states are kept.
func PullCacheDir() (string, error) {
	d, err := os.UserCacheDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(d, "airlock", "pulls"), nil
}

// openPullState opens (or starts) root's state and locks it; it prunes
// the other states first.
func openPullState(root digest.Digest) (*pullState, error) {
	base, err := PullCacheDir()
	if err != nil {
		return nil, err
	}
	if err := privateDir(base); err != nil {
		return nil, err
	}
	name := root.Algorithm().String() + "-" + root.Encoded()
	prunePullStates(base, name)
	dir := filepath.Join(base, name)
	if err := privateDir(dir); err != nil {
		return nil, err
	}
	lock, err := privateFile(filepath.Join(dir, "lock"))
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		lock.Close()
		return nil, fmt.Errorf("%s is in use by another pull: %w", dir, err)
	}
	f, err := privateFile(filepath.Join(dir, "archive.partial"))
	if err != nil {
		lock.Close()
		return nil, err
	}
	now := time.Now()
	os.Chtimes(dir, now, now)
	return &pullState{dir: dir, f: f, lock: lock}, nil
}

// privateDir makes dir (and its parents) and refuses it unless it is a
// folder, not a link, this user's, that no one else may use: what a pull
// keeps there becomes an output, so no one else may plant anything in it.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	info, err := os.Lstat(dir)
	if err != nil {
		return err
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	switch {
	case !info.IsDir() || info.Mode()&os.ModeSymlink != 0:
		return fmt.Errorf("%s is not a folder", dir)
	case ok && st.Uid != uint32(os.Geteuid()):
		return fmt.Errorf("%s belongs to uid %d, not this user", dir, st.Uid)
	case info.Mode().Perm()&0o077 != 0:
		return os.Chmod(dir, 0o700) // ours: close it to others
	}
	return nil
}

// privateFile opens name in a private folder, never through a link, and
// only as a regular file of this user's with no other name (a hard link
// planted there would keep a handle on what becomes the output); anything
// else is removed and the file made anew.
func privateFile(name string) (*os.File, error) {
	for attempt := 0; attempt < 2; attempt++ {
		f, err := os.OpenFile(name, os.O_CREATE|os.O_RDWR|syscall.O_NOFOLLOW, 0o600)
		if err == nil {
			info, serr := f.Stat()
			st, ok := info.Sys().(*syscall.Stat_t)
			if serr == nil && info.Mode().IsRegular() && ok && st.Uid == uint32(os.Geteuid()) && st.Nlink == 1 {
				return f, nil
			}
			f.Close()
		}
		if err := os.Remove(name); err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("%s: cannot make a private file there", name)
}

// finish puts the complete archive at path (renamed, or copied when the
// cache is on another file system) and removes the state.
func (s *pullState) finish(path string) error {
	err := s.f.Sync()
	if err == nil {
		err = s.f.Chmod(0o644)
	}
	if err == nil {
		if err = os.Rename(s.f.Name(), path); errors.Is(err, syscall.EXDEV) {
			err = copyInto(path, s.f)
		}
	}
	s.release(err == nil)
	return err
}

// copyInto copies f to path atomically.
func copyInto(path string, f *os.File) error {
	return archive.Atomic(path, func(out *os.File) error {
		_, err := io.Copy(out, io.NewSectionReader(f, 0, 1<<62))
		return err
	})
}

// release unlocks the state, and removes it when drop says so (done, or
// its content did not verify).
func (s *pullState) release(drop bool) {
	s.f.Close()
	if drop {
		os.RemoveAll(s.dir)
	}
	s.lock.Close()
}

// prunePullStates removes states older than a week, and the oldest beyond
// the newest few, except keep's. A state in use is locked and skipped.
func prunePullStates(base, keep string) {
	entries, err := os.ReadDir(base)
	if err != nil {
		return
	}
	type state struct {
		name string
		mod  time.Time
	}
	var states []state
	for _, e := range entries {
		if info, err := e.Info(); err == nil && e.IsDir() && e.Name() != keep {
			states = append(states, state{e.Name(), info.ModTime()})
		}
	}
	sort.Slice(states, func(i, j int) bool { return states[i].mod.After(states[j].mod) })
	for i, st := range states {
		if i >= maxPullStates-1 || time.Since(st.mod) > pullStateAge {
			removeUnlocked(filepath.Join(base, st.name))
		}
	}
}

// removeUnlocked removes a state no pull holds.
func removeUnlocked(dir string) {
	lock, err := os.OpenFile(filepath.Join(dir, "lock"), os.O_RDWR, 0)
	if err == nil {
		defer lock.Close()
		if syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) != nil {
			return
		}
	}
	os.RemoveAll(dir)
}
