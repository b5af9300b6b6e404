// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/airlock-dev/airlock/verify"
)

// target is a file to install at its absolute target path.
type target struct {
	it   item
	path string
	// tmp is the staged file beside path; old is where the file path held
	// was moved aside while the new one went in; made is the topmost
	// folder made for path. Each is "" when there is none.
	tmp, old, made string
	installed      bool
}

// checkTargets lists the targets to install, refusing, before anything is
// written: a target that is not an absolute clean path, two files for one
// target, a target in or above dir, one that is not a regular file, or one
// whose different content Force does not allow replacing. A target that
// already holds the same bytes is left alone.
func (p *extractPlan) checkTargets(dir string, opts FilesOptions) ([]*target, error) {
	if !opts.InstallTargets {
		return nil, nil
	}
	absDir, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	var out []*target
	seen := map[string]string{}
	for _, it := range p.items {
		if it.target == "" {
			continue
		}
		t := filepath.FromSlash(it.target)
		if !filepath.IsAbs(t) || filepath.Clean(t) != t {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: target %q: expected an absolute clean path", it.rel, it.target)
		}
		if prev, ok := seen[t]; ok {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "%s and %s both name the target %s", prev, it.rel, t)
		}
		seen[t] = it.rel
		if within(t, absDir) || within(absDir, t) {
			return nil, fmt.Errorf("%s: target %s is in or above the folder extracted into (%s): nothing was changed", it.rel, t, absDir)
		}
		if err := trustedFolder(filepath.Dir(t)); err != nil {
			return nil, fmt.Errorf("%s: target %s: %w: nothing was changed", it.rel, t, err)
		}
		same, err := holds(t, it.layer.Digest.String())
		if err != nil {
			return nil, err
		}
		switch {
		case same:
			continue
		case !opts.Force && exists(t):
			return nil, fmt.Errorf("%s: target %s exists with other content: nothing was changed (FilesOptions.Force replaces it)", it.rel, t)
		}
		out = append(out, &target{it: it, path: t})
	}
	return out, nil
}

// within reports whether path is root or inside it.
func within(path, root string) bool {
	return path == root || strings.HasPrefix(path, strings.TrimSuffix(root, string(filepath.Separator))+string(filepath.Separator))
}

// trustedFolder walks dir from the root, following links as the kernel
// does, and refuses a folder or link owned by anyone but root or this
// user, or a folder anyone may write to without the sticky bit (as
// OpenSSH's StrictModes does): a target is never written through a place
// someone else controls, such as a link another user planted in /tmp.
// Folders that do not exist yet are made by extract itself.
func trustedFolder(dir string) error {
	uid := uint32(os.Geteuid())
	cur, rest := string(filepath.Separator), parts(filepath.Clean(dir))
	for hops := 0; len(rest) > 0; {
		part := rest[0]
		rest = rest[1:]
		switch part {
		case "", ".":
			continue
		case "..": // cur holds no link: its parent is the kernel's too
			cur = filepath.Dir(cur)
			continue
		}
		next := filepath.Join(cur, part)
		info, err := os.Lstat(next)
		if errors.Is(err, os.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if st, ok := info.Sys().(*syscall.Stat_t); ok && st.Uid != 0 && st.Uid != uid {
			return fmt.Errorf("%s is owned by uid %d, neither root nor this user", next, st.Uid)
		}
		switch {
		case info.Mode()&os.ModeSymlink != 0:
			if hops++; hops > 40 {
				return fmt.Errorf("%s: too many links", dir)
			}
			to, err := os.Readlink(next)
			if err != nil {
				return err
			}
			if filepath.IsAbs(to) {
				cur = string(filepath.Separator)
			}
			rest = append(parts(to), rest...) // uncleaned: ".." is resolved where the kernel resolves it
		case !info.IsDir():
			return fmt.Errorf("%s is not a folder", next)
		case info.Mode().Perm()&0o002 != 0 && info.Mode()&os.ModeSticky == 0:
			return fmt.Errorf("%s may be written by anyone", next)
		default:
			cur = next
		}
	}
	return nil
}

// parts splits a path into its elements as written.
func parts(p string) []string { return strings.Split(p, string(filepath.Separator)) }

// holds reports whether path is a regular file whose content has digest
// dgst; a path that is something else than a regular file is an error.
func holds(path, dgst string) (bool, error) {
	info, err := os.Lstat(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return false, nil
	case err != nil:
		return false, err
	case !info.Mode().IsRegular():
		return false, fmt.Errorf("target %s exists and is not a regular file: nothing was changed", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return false, err
	}
	return "sha256:"+hex.EncodeToString(h.Sum(nil)) == dgst, nil
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

// commit puts everything in place once it was all written: each target's
// bytes (copied from the extracted file, which was checked) into a
// temporary file beside it, then the folder renamed into place, then each
// target renamed over its path, the file it replaces moved aside first. A
// failure undoes all of it: the folder removed, the targets put back as
// they were, the folders made for them removed.
func commit(tmp, dir string, existed bool, targets []*target, res *ExtractResult) (err error) {
	defer func() {
		if err != nil {
			for i := len(targets) - 1; i >= 0; i-- {
				targets[i].undo()
			}
		}
	}()
	for _, t := range targets {
		if err := t.stage(tmp); err != nil {
			return fmt.Errorf("install target %s: %w", t.path, err)
		}
	}
	undo, err := place(tmp, dir, existed)
	if err != nil {
		return err
	}
	for _, t := range targets {
		if err := t.install(); err != nil {
			undo()
			return fmt.Errorf("install target %s: %w", t.path, err)
		}
	}
	for _, t := range targets {
		if t.old != "" {
			os.Remove(t.old)
		}
		res.Files = append(res.Files, ExtractedFile{Path: t.path, Digest: t.it.layer.Digest.String(), Kind: "target", Layer: t.it.layer.Digest.String()})
	}
	return nil
}

// place puts what tmp holds at dir: tmp itself renamed when dir was absent;
// each entry of tmp (inside dir) renamed into dir when dir was an empty
// folder, which stays. undo takes it all away again.
func place(tmp, dir string, existed bool) (undo func(), err error) {
	if !existed {
		if err := os.Rename(tmp, dir); err != nil {
			return nil, err
		}
		return func() { os.RemoveAll(dir) }, nil
	}
	entries, err := os.ReadDir(tmp)
	if err != nil {
		return nil, err
	}
	var moved []string
	undo = func() {
		for _, m := range moved {
			os.RemoveAll(m)
		}
	}
	for _, e := range entries {
		to := filepath.Join(dir, e.Name())
		if err := os.Rename(filepath.Join(tmp, e.Name()), to); err != nil {
			undo()
			return nil, err
		}
		moved = append(moved, to)
	}
	if err := os.Remove(tmp); err != nil {
		undo()
		return nil, err
	}
	return undo, nil
}

// stage copies the extracted file into a temporary file beside the target,
// making the folders it needs.
func (t *target) stage(root string) error {
	src, err := os.Open(filepath.Join(root, filepath.FromSlash(t.it.rel)))
	if err != nil {
		return err
	}
	defer src.Close()
	made, err := makeParents(t.path)
	if err != nil {
		return err
	}
	t.made = made
	f, err := os.CreateTemp(filepath.Dir(t.path), "."+filepath.Base(t.path)+".tmp-*")
	if err != nil {
		return err
	}
	t.tmp = f.Name()
	_, err = io.Copy(f, src)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(t.tmp, 0o644)
	}
	return err
}

// install moves the file at the target aside, if any, and renames the
// staged file in its place.
func (t *target) install() error {
	if exists(t.path) {
		f, err := os.CreateTemp(filepath.Dir(t.path), "."+filepath.Base(t.path)+".old-*")
		if err != nil {
			return err
		}
		f.Close()
		if err := os.Rename(t.path, f.Name()); err != nil {
			os.Remove(f.Name())
			return err
		}
		t.old = f.Name()
	}
	if err := os.Rename(t.tmp, t.path); err != nil {
		return err
	}
	t.tmp, t.installed = "", true
	return nil
}

// undo puts the target back as it was before commit.
func (t *target) undo() {
	if t.tmp != "" {
		os.Remove(t.tmp)
	}
	if t.installed {
		os.Remove(t.path)
	}
	if t.old != "" {
		os.Rename(t.old, t.path)
	}
	if t.made != "" {
		os.RemoveAll(t.made)
	}
}
