// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package archive

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrMissingPart marks a split archive one of whose parts is not there.
var ErrMissingPart = errors.New("missing part")

// file is what an archive is read from: one file, or the parts [Split]
// wrote, read in place, in order, as one.
type file struct {
	// path is the archive's name (without a part's suffix); split says it
	// was read from parts, even one.
	path  string
	split bool
	parts []*os.File
	names []string
	// starts are where each part begins in the whole; size is the whole's.
	starts []int64
	size   int64
	pos    int64
}

var _ interface {
	io.ReaderAt
	io.ReadSeeker
} = (*file)(nil)

// PartName is the name of part n (1-based) of the archive at path.
func PartName(path string, n int) string { return fmt.Sprintf("%s.%03d", path, n) }

// openFile opens the archive at path: the file itself, or its parts when
// path names the first part (ARCHIVE.001) or only the parts exist.
func openFile(path string) (*file, error) {
	base, split := strings.CutSuffix(path, ".001")
	if !split {
		if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
			if _, perr := os.Stat(PartName(path, 1)); perr == nil {
				base, split = path, true
			}
		}
	}
	names := []string{path}
	if split {
		var err error
		if names, err = partNames(base); err != nil {
			return nil, err
		}
	}
	f := &file{path: path, split: split}
	if split {
		f.path = base
	}
	for _, name := range names {
		p, err := os.Open(name)
		if err != nil {
			f.Close()
			return nil, err
		}
		info, err := p.Stat()
		if err != nil {
			p.Close()
			f.Close()
			return nil, err
		}
		f.parts, f.names, f.starts = append(f.parts, p), append(f.names, name), append(f.starts, f.size)
		f.size += info.Size()
	}
	return f, nil
}

// partNames lists base's parts, .001 up, by number (the name may hold any
// character), refusing a gap before a higher-numbered part.
func partNames(base string) ([]string, error) {
	var names []string
	for n := 1; ; n++ {
		if _, err := os.Lstat(PartName(base, n)); err != nil {
			break
		}
		names = append(names, PartName(base, n))
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrMissingPart, PartName(base, 1))
	}
	entries, err := os.ReadDir(filepath.Dir(base))
	if err != nil {
		return nil, err
	}
	prefix := filepath.Base(base) + "."
	for _, e := range entries {
		num, ok := strings.CutPrefix(e.Name(), prefix)
		if n, err := strconv.Atoi(num); ok && err == nil && n > len(names)+1 && PartName(base, n) == filepath.Join(filepath.Dir(base), e.Name()) {
			return nil, fmt.Errorf("%w: %s (found %s)", ErrMissingPart, PartName(base, len(names)+1), e.Name())
		}
	}
	return names, nil
}

// Close closes every part.
func (f *file) Close() error {
	var first error
	for _, p := range f.parts {
		if err := p.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// ReadAt reads from the parts that hold [off, off+len(p)).
func (f *file) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("negative offset")
	}
	n := 0
	for n < len(p) {
		if off >= f.size {
			return n, io.EOF
		}
		i := sort.Search(len(f.starts), func(i int) bool { return f.starts[i] > off }) - 1
		end := f.size
		if i+1 < len(f.starts) {
			end = f.starts[i+1]
		}
		want := min(int64(len(p)-n), end-off)
		m, err := f.parts[i].ReadAt(p[n:n+int(want)], off-f.starts[i])
		n, off = n+m, off+int64(m)
		if err != nil && !(errors.Is(err, io.EOF) && int64(m) == want) {
			if errors.Is(err, io.EOF) {
				return n, fmt.Errorf("%s changed while it was read: %w", f.names[i], io.ErrUnexpectedEOF)
			}
			return n, err
		}
	}
	return n, nil
}

// Read reads at the current position.
func (f *file) Read(p []byte) (int, error) {
	n, err := f.ReadAt(p, f.pos)
	f.pos += int64(n)
	if errors.Is(err, io.EOF) && n > 0 {
		err = nil
	}
	return n, err
}

// Seek moves the current position.
func (f *file) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += f.pos
	case io.SeekEnd:
		offset += f.size
	default:
		return 0, errors.New("bad whence")
	}
	if offset < 0 {
		return 0, errors.New("negative position")
	}
	f.pos = offset
	return offset, nil
}

// where names the parts that hold [off, off+n), for errors about a split
// archive ("" for a single file).
func (f *file) where(off, n int64) string {
	if len(f.parts) < 2 {
		return ""
	}
	var in []string
	for i, s := range f.starts {
		end := f.size
		if i+1 < len(f.starts) {
			end = f.starts[i+1]
		}
		if s < off+max(n, 1) && end > off {
			in = append(in, filepath.Base(f.names[i]))
		}
	}
	return " (in " + strings.Join(in, ", ") + ")"
}

// Path is the archive's name: for a split archive, its parts' without
// their suffix.
func (r *Reader) Path() string { return r.f.path }

// PartSize is the size of a split archive's parts (its first part's, at
// least [MinPartSize]), 0 for an archive in one file.
func (r *Reader) PartSize() int64 {
	switch {
	case !r.f.split:
		return 0
	case len(r.f.parts) > 1:
		return r.f.starts[1]
	}
	return max(r.f.size, MinPartSize)
}

// Parts lists the archive's files: its parts, or the archive alone.
func (r *Reader) Parts() []string { return append([]string(nil), r.f.names...) }

// partsFrom names the parts that begin at or after off (none for a single
// file), which an archive ending before them does not use.
func (f *file) partsFrom(off int64) []string {
	var out []string
	for i, s := range f.starts {
		if i > 0 && s >= off {
			out = append(out, filepath.Base(f.names[i]))
		}
	}
	return out
}
