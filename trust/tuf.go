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
	"path/filepath"
	"regexp"
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
// exported and verified again from the pinned root inside the gap.
func Update(ctx context.Context, opts TUFOptions) (*TUFState, error) {
	mirror := opts.Mirror
	if mirror == "" {
		mirror = PublicGoodMirror
	}
	f := fetcher.NewDefaultFetcher()
	if opts.HTTPClient != nil {
		f.SetHTTPClient(opts.HTTPClient)
	}
	if err := os.MkdirAll(filepath.Join(opts.Dir, "targets"), 0o755); err != nil {
		return nil, err
	}
	state, err := refresh(mirror, &recordingFetcher{Fetcher: f, dir: opts.Dir}, opts.Dir, opts)
	if err != nil {
		return nil, fmt.Errorf("TUF update from %s: %w", mirror, err)
	}
	return state, nil
}

// Import verifies a snapshot folder (made by [Export]) offline: the TUF
// client workflow from the pinned root, at opts.Now, reading only the folder.
// Only when all of it verifies is it installed as opts.Dir.
func Import(src string, opts TUFOptions) (*TUFState, error) {
	tmp, err := os.MkdirTemp(filepath.Dir(filepath.Clean(opts.Dir)), ".tuf-import-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	if err := os.MkdirAll(filepath.Join(tmp, "targets"), 0o755); err != nil {
		return nil, err
	}
	state, err := refresh("file://airlock-snapshot", &dirFetcher{dir: src}, tmp, opts)
	if err != nil {
		return nil, fmt.Errorf("TUF import %s: %w", src, err)
	}
	if err := copyStore(src, tmp); err != nil {
		return nil, err
	}
	old := opts.Dir + ".old"
	os.RemoveAll(old)
	if err := os.Rename(opts.Dir, old); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	if err := os.Rename(tmp, opts.Dir); err != nil {
		os.Rename(old, opts.Dir)
		return nil, err
	}
	os.RemoveAll(old)
	return state, nil
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

// recordingFetcher keeps a copy of every root version it downloads.
type recordingFetcher struct {
	fetcher.Fetcher
	dir string
}

func (r *recordingFetcher) DownloadFile(url string, maxLength int64, timeout time.Duration) ([]byte, error) {
	data, err := r.Fetcher.DownloadFile(url, maxLength, timeout)
	if err == nil && strings.HasSuffix(url, ".root.json") {
		if werr := os.WriteFile(filepath.Join(r.dir, filepath.Base(url)), data, 0o644); werr != nil {
			return nil, werr
		}
	}
	return data, err
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
