// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package trust gathers the trust material a verifier uses for keyless
// signatures: Sigstore trusted roots from files, from cosign's environment
// variables, or the embedded public-good root; and says where each came from
// and until when it is valid.
//
// Loading trust material never reaches the network: the embedded root and
// the files and TUF store the operator names are all [Load] reads, which is
// what an air gap needs. [Update] is the one call that fetches (a TUF
// mirror, on the connected side); [Import] verifies a carried snapshot
// offline and installs exactly what the TUF client verified.
package trust

import (
	"crypto"
	_ "embed"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"

	"github.com/airlock-dev/airlock/internal/limited"
)

// PublicGoodRoot is the public-good Sigstore instance's trusted_root.json
// as shipped with this release (from @sigstore/tuf 5.0.1's seeds).
//
//go:embed embedded/trusted_root.json
var PublicGoodRoot []byte

// PublicGoodTUFRoot is the public-good TUF repository's root.json (version 16).
//
//go:embed embedded/tuf-root.json
var PublicGoodTUFRoot []byte

// MaxRootSize bounds a trusted_root.json: real ones are a few KiB.
const MaxRootSize = 4 << 20

// Source says where a piece of trust material came from.
type Source struct {
	// Kind is "embedded", "file" or "environment".
	Kind string `json:"kind"`
	// Name is the file's path, the variable's name, or "public-good".
	Name string `json:"name"`
	// Expires is when its last certificate authority or log stops being valid
	// (zero when open-ended).
	Expires time.Time `json:"expires,omitzero"`
	// MetadataExpires is when a TUF store's metadata expires (TUF only).
	MetadataExpires time.Time `json:"metadataExpires,omitzero"`
}

// Warnings lists trust material that has expired at now, and when.
func (m *Material) Warnings(now time.Time) []string {
	var out []string
	for _, s := range m.Sources {
		if !s.Expires.IsZero() && now.After(s.Expires) {
			out = append(out, fmt.Sprintf("trust material %s (%s) expired on %s", s.Name, s.Kind, s.Expires.UTC().Format(time.RFC3339)))
		}
		if !s.MetadataExpires.IsZero() && now.After(s.MetadataExpires) {
			out = append(out, fmt.Sprintf("TUF metadata in %s expired on %s: run airlock trust update (connected side) or import a newer snapshot", s.Name, s.MetadataExpires.UTC().Format(time.RFC3339)))
		}
	}
	return out
}

// Material is the union of the trust material in force.
type Material struct {
	root.TrustedMaterialCollection
	// Sources lists where each part came from, in order.
	Sources []Source
	// rekorKeys are SIGSTORE_REKOR_PUBLIC_KEY's keys, trusted for any origin.
	rekorKeys []crypto.PublicKey
}

// ForOrigins returns the material with SIGSTORE_REKOR_PUBLIC_KEY's keys also
// described as the Rekor v2 logs of the given checkpoint origins (see logsFor).
func (m *Material) ForOrigins(origins []string) root.TrustedMaterial {
	if len(m.rekorKeys) == 0 || len(origins) == 0 {
		return m.TrustedMaterialCollection
	}
	extra, err := root.NewTrustedRoot(root.TrustedRootMediaType01, nil, nil, nil, logsFor(m.rekorKeys, origins))
	if err != nil {
		return m.TrustedMaterialCollection
	}
	return append(root.TrustedMaterialCollection{extra}, m.TrustedMaterialCollection...)
}

// Options says which trust material to load. The zero value loads the
// embedded public-good root.
type Options struct {
	// TrustedRoots are trusted_root.json files; their union is trusted.
	TrustedRoots []string
	// TUFDir is a TUF store filled by Update or Import; its trusted root is
	// used when no file and no variable names trust material. Default: none.
	TUFDir string
	// Env looks up cosign's variables (SIGSTORE_ROOT_FILE,
	// SIGSTORE_REKOR_PUBLIC_KEY, SIGSTORE_CT_LOG_PUBLIC_KEY_FILE,
	// SIGSTORE_TSA_CERTIFICATE_FILE). Default: nil, the environment is not read
	// (the CLI passes os.LookupEnv).
	Env func(string) (string, bool)
}

// Load reads the trust material: every file in opts.TrustedRoots and the
// material cosign's environment variables name; when there is neither, the
// embedded public-good root.
func Load(opts Options) (*Material, error) {
	m := &Material{}
	for _, path := range opts.TrustedRoots {
		tr, err := readRoot(path)
		if err != nil {
			return nil, err
		}
		m.add(tr, Source{Kind: "file", Name: path})
	}
	if opts.Env != nil {
		tr, keys, names, err := fromEnv(opts.Env)
		if err != nil {
			return nil, err
		}
		if tr != nil {
			m.add(tr, Source{Kind: "environment", Name: names})
			m.rekorKeys = keys
		}
	}
	if len(m.TrustedMaterialCollection) == 0 && opts.TUFDir != "" {
		if data, expires, err := readStore(opts.TUFDir); err == nil {
			tr, err := root.NewTrustedRootFromJSON(data)
			if err != nil {
				return nil, fmt.Errorf("TUF store %s: %w", opts.TUFDir, err)
			}
			m.add(tr, Source{Kind: "tuf", Name: opts.TUFDir, MetadataExpires: expires})
		} else if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("TUF store %s: %w", opts.TUFDir, err)
		}
	}
	if len(m.TrustedMaterialCollection) == 0 {
		tr, err := root.NewTrustedRootFromJSON(PublicGoodRoot)
		if err != nil {
			return nil, fmt.Errorf("embedded public-good root: %w", err)
		}
		m.add(tr, Source{Kind: "embedded", Name: "public-good"})
	}
	return m, nil
}

func (m *Material) add(tm root.TrustedMaterial, s Source) {
	s.Expires = expiry(tm)
	m.TrustedMaterialCollection = append(m.TrustedMaterialCollection, tm)
	m.Sources = append(m.Sources, s)
}

// readRoot reads and parses a trusted_root.json, naming the file in errors.
func readRoot(path string) (*root.TrustedRoot, error) {
	data, err := limited.ReadFile(path, MaxRootSize)
	if err != nil {
		return nil, fmt.Errorf("--trusted-root: %w", err)
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("trusted root %s: %w", path, err)
	}
	if len(tr.FulcioCertificateAuthorities())+len(tr.RekorLogs())+len(tr.TimestampingAuthorities()) == 0 {
		return nil, fmt.Errorf("trusted root %s: expected certificate authorities, logs or timestamp authorities, found none", path)
	}
	return tr, nil
}

// expiry is the latest end of validity among the material's authorities and
// logs; zero if any is open-ended.
func expiry(tm root.TrustedMaterial) time.Time {
	var latest time.Time
	open := false
	note := func(end time.Time) {
		if end.IsZero() {
			open = true
		} else if end.After(latest) {
			latest = end
		}
	}
	for _, ca := range tm.FulcioCertificateAuthorities() {
		if f, ok := ca.(*root.FulcioCertificateAuthority); ok {
			note(f.ValidityPeriodEnd)
		}
	}
	for _, l := range tm.RekorLogs() {
		note(l.ValidityPeriodEnd)
	}
	if open {
		return time.Time{}
	}
	return latest
}
