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

	"github.com/airlock-dev/airlock/verify"
)

// target is a file to install at its absolute target path.
type target struct {
	it   item
	path string
	// tmp is the temporary file beside path, once written.
	tmp string
}

// checkTargets lists the targets to install, refusing, before anything is
// written, a target that is not an absolute clean path, that is not a
// regular file, or whose different content Force does not allow replacing.
// A target that already holds the same bytes is left alone.
func (p *extractPlan) checkTargets(opts FilesOptions) ([]*target, error) {
	if !opts.InstallTargets {
		return nil, nil
	}
	var out []*target
	for _, it := range p.items {
		if it.target == "" {
			continue
		}
		t := filepath.FromSlash(it.target)
		if !filepath.IsAbs(t) || filepath.Clean(t) != t {
			return nil, verify.Fail(verify.ReasonMalformedPackage, "%s: target %q: expected an absolute clean path", it.rel, it.target)
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
// target renamed over its path. A failure removes what it made.
func commit(tmp, dir string, targets []*target, res *ExtractResult) (err error) {
	defer func() {
		if err != nil {
			for _, t := range targets {
				if t.tmp != "" {
					os.Remove(t.tmp)
				}
			}
		}
	}()
	for _, t := range targets {
		if err := t.stage(tmp); err != nil {
			return err
		}
	}
	if err := os.Remove(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err // an empty folder is replaced; checkEmpty saw it empty
	}
	if err := os.Rename(tmp, dir); err != nil {
		return err
	}
	for _, t := range targets {
		if err := os.Rename(t.tmp, t.path); err != nil {
			os.RemoveAll(dir)
			return fmt.Errorf("install target %s: %w", t.path, err)
		}
		t.tmp = ""
		res.Files = append(res.Files, ExtractedFile{Path: t.path, Digest: t.it.layer.Digest.String(), Kind: "target", Layer: t.it.layer.Digest.String()})
	}
	return nil
}

// stage copies the extracted file into a temporary file beside the target.
func (t *target) stage(root string) error {
	src, err := os.Open(filepath.Join(root, filepath.FromSlash(t.it.rel)))
	if err != nil {
		return err
	}
	defer src.Close()
	if err := os.MkdirAll(filepath.Dir(t.path), 0o755); err != nil {
		return fmt.Errorf("install target %s: %w", t.path, err)
	}
	f, err := os.CreateTemp(filepath.Dir(t.path), "."+filepath.Base(t.path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("install target %s: %w", t.path, err)
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
