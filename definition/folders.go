// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package definition

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"

	"github.com/airlock-dev/airlock/internal/yamlfile"
)

// MaxFolderFiles bounds the files one folder entry may expand to.
const MaxFolderFiles = 10000

// expandFolders replaces each files or manifests entry naming a folder by
// an entry per regular file under it, in lexical order, each at its path
// relative to the definition's folder (a file's target, when the folder
// has one, is the folder's target joined with its path in the folder).
// Links are refused, as are files of other kinds.
func (p *Package) expandFolders(name string, data []byte, dir string) error {
	var errs []error
	for i := range p.Components {
		c := &p.Components[i]
		var files []File
		for j, f := range c.Files {
			rels, err := folderFiles(dir, f.Path)
			if err != nil {
				errs = append(errs, yamlfile.Locate(name, data, yamlfile.Field(fmt.Sprintf("$.components[%d].files[%d].path", i, j), "%v", err), ErrInvalid))
				continue
			}
			if rels == nil {
				files = append(files, f)
				continue
			}
			for _, rel := range rels {
				nf := File{Path: path.Join(f.Path, rel)}
				if f.Target != "" {
					nf.Target = path.Join(f.Target, rel)
				}
				files = append(files, nf)
			}
		}
		var manifests []Manifest
		for j, m := range c.Manifests {
			rels, err := folderFiles(dir, m.Path)
			if err != nil {
				errs = append(errs, yamlfile.Locate(name, data, yamlfile.Field(fmt.Sprintf("$.components[%d].manifests[%d].path", i, j), "%v", err), ErrInvalid))
				continue
			}
			if rels == nil {
				manifests = append(manifests, m)
			}
			for _, rel := range rels {
				manifests = append(manifests, Manifest{Path: path.Join(m.Path, rel)})
			}
		}
		c.Files, c.Manifests = files, manifests
	}
	if len(errs) == 0 {
		for _, err := range p.validate() { // expanded paths may now collide
			errs = append(errs, yamlfile.Locate(name, data, err, ErrInvalid))
		}
	}
	return errors.Join(errs...)
}

// folderFiles lists the regular files under dir/rel, relative to it and in
// lexical order, when rel is a folder (nil when it is a file).
func folderFiles(dir, rel string) ([]string, error) {
	full, err := Resolve(dir, rel)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(full); err != nil || !info.IsDir() {
		return nil, err
	}
	out := []string{}
	err = filepath.WalkDir(full, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		r, _ := filepath.Rel(full, p)
		switch {
		case d.IsDir():
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			return fmt.Errorf("expected regular files in the folder %s, found a link: %s", rel, filepath.ToSlash(r))
		case !d.Type().IsRegular():
			return fmt.Errorf("expected regular files in the folder %s, found %s: %s", rel, d.Type(), filepath.ToSlash(r))
		case len(out) == MaxFolderFiles:
			return fmt.Errorf("the folder %s holds more than %d files", rel, MaxFolderFiles)
		}
		out = append(out, filepath.ToSlash(r))
		return nil
	})
	if err == nil && len(out) == 0 {
		err = fmt.Errorf("the folder %s holds no files", rel)
	}
	return out, err
}
