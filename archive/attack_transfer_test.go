// SPDX-License-Identifier: Apache-2.0

package archive_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"

	"github.com/airlock-dev/airlock/archive"
)

// parts are found with filepath.Glob(base + ".[0-9][0-9][0-9]*"),
// so an archive whose own name holds glob metacharacters ("[", "*", "?",
// "\") cannot be read once split: create --split / split write the parts,
// and no reader finds them: the glob matches nothing, the reader opens
// zero parts and calls the archive truncated ("ends at byte 0"). A folder
// with such characters in its name (/media/usb/[2026-12]/) does the same.
func TestSplitNameWithGlobCharacters(t *testing.T) {
	ctx := context.Background()
	s, root := bigSample(t, 2<<20+777)
	for _, name := range []string{"release[1].tar", "pkg[.tar", `back\slash.tar`} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), name)
			names, err := archive.WriteFileWith(ctx, path, s, []ocispec.Descriptor{root}, archive.Options{PartSize: archive.MinPartSize})
			if err != nil || len(names) != 3 {
				t.Fatalf("write parts: %v %v", names, err)
			}
			for _, open := range []string{names[0], path} {
				if err := openAndCheck(open); err != nil {
					t.Errorf("open %s: the parts %s were written but cannot be read: %v", filepath.Base(open), filepath.Base(names[0]), err)
				}
			}
		})
	}
}

// parts copied over an older, longer split of the same name (a USB
// key that held last month's release) leave the old last part behind; the
// reader takes it as part of this archive and reports data after the
// end-of-archive marker as a malformed archive (exit 3, tampering), without
// naming the stale part, where a missing last part is named and exit 1.
func TestStaleTrailingPartIsNamed(t *testing.T) {
	ctx := context.Background()
	old, oldRoot := bigSample(t, 3<<20+100)
	cur, curRoot := bigSample(t, 1<<20+100)
	dir := t.TempDir()
	path := filepath.Join(dir, "pkg.tar")
	if _, err := archive.WriteFileWith(ctx, path, old, []ocispec.Descriptor{oldRoot}, archive.Options{PartSize: archive.MinPartSize}); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "pkg.tar")
	names, err := archive.WriteFileWith(ctx, other, cur, []ocispec.Descriptor{curRoot}, archive.Options{PartSize: archive.MinPartSize})
	if err != nil {
		t.Fatal(err)
	}
	for i, n := range names { // cp pkg.tar.* /media/key/
		data, _ := os.ReadFile(n)
		os.WriteFile(archive.PartName(path, i+1), data, 0o644)
	}
	stale := archive.PartName(path, len(names)+1)
	err = openAndCheck(archive.PartName(path, 1))
	if err == nil {
		t.Fatal("a stale part was read as part of the archive")
	}
	if errors.Is(err, archive.ErrMalformed) || !strings.Contains(err.Error(), filepath.Base(stale)) {
		t.Errorf("expected the extra part %s named, not a malformed (tampered) archive: %v", filepath.Base(stale), err)
	}
}
