// SPDX-License-Identifier: Apache-2.0

package airlock_test

import (
	"context"
	"net/http"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/airlocktest"
	"github.com/airlock-dev/airlock/archive"
)

// a symlink planted at the resumable state's archive.partial is
// followed: the pull (root here) overwrites and truncates the file it
// points to, and then renames the symlink itself to the output path.
func TestPullStateLinkIsNotFollowed(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	ctx := context.Background()
	host, p := published(t)
	root := airlocktest.Resolve(t, host, "team/hello", "1.0.0")
	state := filepath.Join(cache, "airlock", "pulls", root.Digest.Algorithm().String()+"-"+root.Digest.Encoded())
	if err := os.MkdirAll(state, 0o700); err != nil {
		t.Fatal(err)
	}
	victim := filepath.Join(t.TempDir(), "precious.conf")
	os.WriteFile(victim, []byte("root:secret:do not touch\n"), 0o600)
	if err := os.Symlink(victim, filepath.Join(state, "archive.partial")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hello.tar")
	_, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}})
	data, _ := os.ReadFile(victim)
	if string(data) != "root:secret:do not touch\n" {
		t.Errorf("the pull wrote through the planted symlink: the victim is now %d bytes (pull err %v)", len(data), err)
	}
	if info, lerr := os.Lstat(out); lerr == nil && info.Mode()&os.ModeSymlink != 0 {
		dst, _ := os.Readlink(out)
		t.Errorf("the output %s is a symlink to %s", out, dst)
	}
}

// an archive split into a single part (split --size larger than the
// archive, or create --split of a small package) is signed "in place" into
// a new single file at the name without .001, overwriting whatever file
// has that name, and leaving the part the user named unsigned.
func TestSignOnePartSplitStaysInPlace(t *testing.T) {
	ctx := context.Background()
	whole := create(t, airlocktest.WritePackage(t))
	if _, err := archive.Split(ctx, whole, 64<<20); err != nil {
		t.Fatal(err)
	}
	part := archive.PartName(whole, 1)
	// An unrelated file that happens to have the name without the suffix
	// (here: the original archive, which the user may have changed since).
	os.WriteFile(whole, []byte("an unrelated file the user keeps\n"), 0o644)
	key, p := newKey(t, "team.pub")
	if _, err := airlock.Sign(ctx, part, key, airlock.SignOptions{}); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(whole); string(data) != "an unrelated file the user keeps\n" {
		t.Errorf("signing %s overwrote %s (%d bytes now)", filepath.Base(part), filepath.Base(whole), len(data))
	}
	if _, err := airlock.Verify(ctx, part, airlock.VerifyOptions{Policy: p}); err != nil {
		t.Errorf("the part that was signed does not verify: %v", err)
	}
}

// a hard link planted at archive.partial (by whoever can write the
// cache folder: e.g. the user whose HOME a root pull runs with) becomes the
// output: its owner keeps a name for the verified archive's inode and can
// rewrite it after airlock reported it verified.
func TestPullStateHardLinkIsNotAdopted(t *testing.T) {
	cache := t.TempDir()
	t.Setenv("XDG_CACHE_HOME", cache)
	ctx := context.Background()
	host, p := published(t)
	root := airlocktest.Resolve(t, host, "team/hello", "1.0.0")
	state := filepath.Join(cache, "airlock", "pulls", root.Digest.Algorithm().String()+"-"+root.Digest.Encoded())
	os.MkdirAll(state, 0o700)
	planted := filepath.Join(cache, "attacker-keeps-this")
	os.WriteFile(planted, nil, 0o666)
	if err := os.Link(planted, filepath.Join(state, "archive.partial")); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(t.TempDir(), "hello.tar")
	if _, err := airlock.Pull(ctx, "oci://"+host+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
		t.Fatal(err)
	}
	a, _ := os.Stat(planted)
	b, _ := os.Stat(out)
	if os.SameFile(a, b) {
		// What the attacker can now do to the "verified" output:
		os.WriteFile(planted, []byte("not what was verified"), 0o666)
		data, _ := os.ReadFile(out)
		t.Errorf("the output is the planted inode (link count %d): after the pull its content is %q", b.Sys().(*syscall.Stat_t).Nlink, data)
	}
}

// a pull cut off mid-blob keeps its state, and every later pull of
// the same package resumes that blob with a range request. A registry (or
// proxy in front of it) that refuses range requests (416 / 400 / 501) but
// serves whole blobs fine then fails every later pull at the same byte,
// exit 1, for as long as the state is kept (a week), though a plain
// download would succeed: the state is neither dropped nor bypassed.
func TestRangeRefusedDoesNotWedgeResume(t *testing.T) {
	t.Setenv("XDG_CACHE_HOME", t.TempDir())
	ctx := context.Background()
	host, p := published(t)
	out := filepath.Join(t.TempDir(), "hello.tar")
	failing := airlocktest.NewFaultProxy(t, host, airlocktest.DropAfter(700<<10, true))
	if _, err := airlock.Pull(ctx, "oci://"+failing+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err == nil {
		t.Fatal("expected the first pull to fail")
	}
	noRanges := airlocktest.NewFaultProxy(t, host, func(w http.ResponseWriter, r *http.Request, _ *http.Response) bool {
		if airlocktest.IsBlobGet(r) && r.Header.Get("Range") != "" {
			http.Error(w, "ranges not supported", http.StatusRequestedRangeNotSatisfiable)
			return true
		}
		return false
	})
	for i := 1; i <= 2; i++ {
		if _, err := airlock.Pull(ctx, "oci://"+noRanges+"/team/hello:1.0.0", out, airlock.PullOptions{VerifyOptions: airlock.VerifyOptions{Policy: p}}); err != nil {
			t.Errorf("pull %d through a registry that serves whole blobs but no ranges: %v", i, err)
		}
	}
}
