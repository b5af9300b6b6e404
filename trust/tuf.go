// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package trust

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/theupdateframework/go-tuf/v2/metadata"
	"github.com/theupdateframework/go-tuf/v2/metadata/config"
	"github.com/theupdateframework/go-tuf/v2/metadata/fetcher"
	"github.com/theupdateframework/go-tuf/v2/metadata/updater"

	"github.com/airlock-dev/airlock/internal/limited"
)

// PublicGoodMirror is the public-good Sigstore TUF repository.
const PublicGoodMirror = "https://tuf-repo-cdn.sigstore.dev"

// TrustedRootTarget is the TUF target holding Sigstore's trusted root.
const TrustedRootTarget = "trusted_root.json"

// TUFOptions configures [Update], [Export] and [Import]. A TUF store is a
// folder holding the verified metadata (root.json and every root version
// seen as N.root.json, timestamp.json, snapshot.json, targets.json) and the
// targets/trusted_root.json it vouches for. The same layout is the snapshot
// that crosses the air gap.
type TUFOptions struct {
	// Dir is the local TUF store.
	Dir string
	// Root is the pinned TUF root.json everything is verified from. Default:
	// the embedded public-good root ([PublicGoodTUFRoot]).
	Root []byte
	// Mirror is the TUF repository (Update only). Default: [PublicGoodMirror].
	Mirror string
	// Now is the clock expiry is checked against. Default: time.Now.
	Now func() time.Time
	// HTTPClient fetches from the mirror. Default: http.DefaultClient.
	HTTPClient *http.Client
}

func (o TUFOptions) root() []byte {
	if len(o.Root) > 0 {
		return o.Root
	}
	return PublicGoodTUFRoot
}

func (o TUFOptions) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// TUFState describes a verified TUF store.
type TUFState struct {
	// RootVersion and RootExpires describe the newest trusted TUF root.
	RootVersion int64
	RootExpires time.Time
	// Expires is when the timestamp metadata, and so the snapshot, expires.
	Expires time.Time
}

// Update refreshes the store from the mirror on the connected side: the TUF
// client workflow from the pinned root through every root rotation, then the
// trusted root target. Every root version is kept so the store can be
// exported and verified again from the pinned root inside the gap. The store
// is replaced only when all of it verified; on failure it is left as it was.
func Update(ctx context.Context, opts TUFOptions) (*TUFState, error) {
	mirror := opts.Mirror
	if mirror == "" {
		mirror = PublicGoodMirror
	}
	f := fetcher.NewDefaultFetcher()
	if opts.HTTPClient != nil {
		f.SetHTTPClient(opts.HTTPClient)
	}
	state, err := install(mirror, f, opts)
	if err != nil {
		return nil, fmt.Errorf("TUF update from %s: %w", mirror, err)
	}
	return state, nil
}

// Import verifies a snapshot folder (made by [Export]) offline: the TUF
// client workflow from the pinned root, at opts.Now, reading only the folder.
// Only when all of it verifies is it installed as opts.Dir, and what is
// installed is exactly what the TUF client verified: the metadata it
// accepted and the target bytes it hashed, never the folder's other files.
func Import(src string, opts TUFOptions) (*TUFState, error) {
	state, err := install("file://airlock-snapshot", &dirFetcher{dir: src}, opts)
	if err != nil {
		return nil, fmt.Errorf("TUF import %s: %w", src, err)
	}
	return state, nil
}

// install runs the TUF client workflow against fetch into a new folder
// beside opts.Dir, seeded with the store's current timestamp, snapshot and
// targets metadata (so a mirror or snapshot cannot roll them back), and
// swaps it into place only when everything verified. The folder then holds
// what go-tuf persisted after verifying it, the target it downloaded and
// hashed, and the root versions the client walked through (recorded as
// fetched, written only once the walk ended in a verified root).
func install(remote string, fetch fetcher.Fetcher, opts TUFOptions) (*TUFState, error) {
	dir := filepath.Clean(opts.Dir)
	if err := os.MkdirAll(filepath.Dir(dir), 0o755); err != nil {
		return nil, err
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), ".tuf-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, "targets"), 0o755); err != nil {
		return nil, err
	}
	if err := seed(dir, tmp); err != nil {
		return nil, err
	}
	roots := &rootRecorder{Fetcher: fetch, versions: map[string][]byte{}}
	state, err := refresh(remote, roots, tmp, opts)
	if err != nil {
		return nil, err
	}
	if err := roots.write(tmp, state.RootVersion); err != nil {
		return nil, err
	}
	return state, swap(tmp, dir)
}

// seed copies the store's current non-root metadata into dir, where go-tuf
// reads it as the last trusted state; a missing store seeds nothing.
func seed(store, dir string) error {
	for _, name := range []string{"timestamp.json", "snapshot.json", "targets.json"} {
		data, err := limited.ReadFile(filepath.Join(store, name), MaxRootSize)
		if errors.Is(err, os.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// swap replaces dir with tmp, keeping the old store until the new one is in place.
func swap(tmp, dir string) error {
	old := dir + ".old"
	os.RemoveAll(old)
	if err := os.Rename(dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.Rename(old, dir)
		return err
	}
	return os.RemoveAll(old)
}

// Export copies the store to dst, a folder to carry across the gap.
func Export(opts TUFOptions, dst string) error {
	if _, err := os.Stat(filepath.Join(opts.Dir, "targets", TrustedRootTarget)); err != nil {
		return fmt.Errorf("TUF export: the store %s holds no trusted root: run airlock trust update first (%w)", opts.Dir, err)
	}
	if err := os.MkdirAll(filepath.Join(dst, "targets"), 0o755); err != nil {
		return err
	}
	return copyStore(opts.Dir, dst)
}

// refresh runs go-tuf's client workflow against fetch into dir.
func refresh(remote string, fetch fetcher.Fetcher, dir string, opts TUFOptions) (*TUFState, error) {
	cfg, err := config.New(remote, opts.root())
	if err != nil {
		return nil, err
	}
	cfg.Fetcher = fetch
	cfg.LocalMetadataDir = dir
	cfg.LocalTargetsDir = filepath.Join(dir, "targets")
	up, err := updater.New(cfg)
	if err != nil {
		return nil, fmt.Errorf("pinned TUF root: %w", err)
	}
	up.UnsafeSetRefTime(opts.now())
	if err := up.Refresh(); err != nil {
		return nil, explainExpiry(err, opts.now())
	}
	ti, err := up.GetTargetInfo(TrustedRootTarget)
	if err != nil {
		return nil, err
	}
	if _, _, err := up.DownloadTarget(ti, filepath.Join(dir, "targets", TrustedRootTarget), ""); err != nil {
		return nil, err
	}
	md := up.GetTrustedMetadataSet()
	return &TUFState{
		RootVersion: md.Root.Signed.Version, RootExpires: md.Root.Signed.Expires,
		Expires: md.Timestamp.Signed.Expires,
	}, nil
}

// explainExpiry says when, for go-tuf's expiry errors.
func explainExpiry(err error, now time.Time) error {
	var expired *metadata.ErrExpiredMetadata
	if errors.As(err, &expired) {
		return fmt.Errorf("%w (checked at %s)", err, now.UTC().Format(time.RFC3339))
	}
	return err
}

// storeFile matches the files a store or snapshot holds.
var storeFile = regexp.MustCompile(`^(?:[0-9]+\.root|root|timestamp|snapshot|targets)\.json$`)

func copyStore(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if e.Type().IsRegular() && storeFile.MatchString(e.Name()) {
			if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
				return err
			}
		}
	}
	return copyFile(filepath.Join(src, "targets", TrustedRootTarget), filepath.Join(dst, "targets", TrustedRootTarget))
}

func copyFile(src, dst string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, io.LimitReader(in, MaxRootSize)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// rootRecorder keeps, in memory, every root version its fetcher returns,
// so that the versions the TUF client walked through can be written beside
// the final root once the walk has verified them all.
type rootRecorder struct {
	fetcher.Fetcher
	versions map[string][]byte
}

var versionedRoot = regexp.MustCompile(`^([0-9]+)\.root\.json$`)

func (r *rootRecorder) DownloadFile(url string, maxLength int64, timeout time.Duration) ([]byte, error) {
	data, err := r.Fetcher.DownloadFile(url, maxLength, timeout)
	if m := versionedRoot.FindStringSubmatch(path.Base(url)); err == nil && m != nil {
		r.versions[m[1]] = data
	}
	return data, err
}

// write writes the recorded root versions up to the verified final one:
// each was verified on the way there (go-tuf walks versions in order and
// stops at the first it cannot verify, which is then above final).
func (r *rootRecorder) write(dir string, final int64) error {
	for v, data := range r.versions {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > final {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, v+".root.json"), data, 0o644); err != nil {
			return err
		}
	}
	return nil
}

// dirFetcher serves a snapshot folder as a TUF repository: versioned names
// (N.snapshot.json) fall back to the unversioned file and hash-prefixed
// target names to the target's name. The updater checks every length, hash
// and version against signed metadata, so these mappings cannot smuggle
// anything in.
type dirFetcher struct{ dir string }

var versioned = regexp.MustCompile(`^[0-9]+\.(snapshot|targets)\.json$`)

func (d *dirFetcher) DownloadFile(url string, maxLength int64, _ time.Duration) ([]byte, error) {
	rel := strings.TrimPrefix(url, "file://airlock-snapshot/")
	name := filepath.Base(rel)
	if strings.Contains(rel, "..") || (filepath.Dir(rel) != "." && filepath.Dir(rel) != "targets") {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: http.StatusNotFound, URL: url}
	}
	path := filepath.Join(d.dir, filepath.Dir(rel), name)
	if _, err := os.Stat(path); err != nil {
		switch {
		case versioned.MatchString(name):
			path = filepath.Join(d.dir, name[strings.Index(name, ".")+1:])
		case filepath.Dir(rel) == "targets" && strings.Contains(name, "."):
			path = filepath.Join(d.dir, "targets", name[strings.Index(name, ".")+1:])
		default:
			return nil, &metadata.ErrDownloadHTTP{StatusCode: http.StatusNotFound, URL: url}
		}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &metadata.ErrDownloadHTTP{StatusCode: http.StatusNotFound, URL: url}
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxLength+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > maxLength {
		return nil, &metadata.ErrDownloadLengthMismatch{Msg: fmt.Sprintf("%s is more than %d bytes", name, maxLength)}
	}
	return data, nil
}

// readStore reads a store's trusted root and when its metadata expires.
// It does not verify the store again: Update and Import did, and the
// timestamp metadata expires within days, long before a carried snapshot is
// used up inside a gap; trust show reports the expiry instead.
func readStore(dir string) ([]byte, time.Time, error) {
	data, err := limited.ReadFile(filepath.Join(dir, "targets", TrustedRootTarget), MaxRootSize)
	if err != nil {
		return nil, time.Time{}, err
	}
	var expires time.Time
	if ts, err := limited.ReadFile(filepath.Join(dir, "timestamp.json"), MaxRootSize); err == nil {
		if md, err := (&metadata.Metadata[metadata.TimestampType]{}).FromBytes(ts); err == nil {
			expires = md.Signed.Expires
		}
	}
	return data, expires, nil
}
