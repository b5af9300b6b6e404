// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/opencontainers/go-digest"
	"github.com/sigstore/sigstore-go/pkg/root"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/airlock-dev/airlock/attest"
	"github.com/airlock-dev/airlock/spec"
)

// Options says how a bundle is signed. The zero value signs with the key
// alone: no certificate, no transparency-log entry and no timestamp (offline
// signing), which a verifier must explicitly accept (--insecure-ignore-tlog).
type Options struct {
	// FulcioURL, when set, signs keylessly: an ephemeral key gets a
	// certificate for the identity in IDToken. No key may be given then.
	FulcioURL string
	// IDToken is the OIDC identity token for Fulcio.
	IDToken string
	// RekorURL logs the signature in a transparency log.
	RekorURL string
	// RekorVersion is the Rekor API major version, 1 or 2. Default: ask the
	// log which it speaks (see DetectRekorVersion).
	RekorVersion uint32
	// TSAURL gets an RFC 3161 timestamp (the full URL, .../api/v1/timestamp).
	TSAURL string
	// TrustedMaterial checks the bundle before it is returned: sigstore-go
	// verifies what it produced. Required when any service is used.
	TrustedMaterial root.TrustedMaterial
	// Timeout bounds each request to a service. Default: 30s.
	Timeout time.Duration
	// Offline refuses every service: signing with a key alone still works.
	Offline bool
}

// online reports whether any service is used.
func (o Options) online() bool { return o.FulcioURL != "" || o.RekorURL != "" || o.TSAURL != "" }

// Digest signs subject as cosign v3 signs an image: a DSSE envelope over a
// statement of type spec.PredicateTypeCosignSign. It returns the bundle's JSON.
func Digest(ctx context.Context, subject digest.Digest, key *Key, opts Options) ([]byte, error) {
	payload, err := attest.Statement(subject, spec.PredicateTypeCosignSign, nil)
	if err != nil {
		return nil, err
	}
	return DSSE(ctx, payload, key, opts)
}

// DSSE signs an in-toto statement in a DSSE envelope and returns the
// Sigstore bundle (v0.3) as JSON. key is nil for keyless signing.
func DSSE(ctx context.Context, statement []byte, key *Key, opts Options) ([]byte, error) {
	return bundle(ctx, &sgsign.DSSEData{Data: statement, PayloadType: spec.MediaTypeInToto}, key, opts)
}

// Message signs data itself (a message signature, as cosign sign-blob
// writes and Zarf signs zarf.yaml: over the bytes, not an in-toto
// statement) with key, or keylessly, and returns the Sigstore bundle.
func Message(ctx context.Context, data []byte, key *Key, opts Options) ([]byte, error) {
	return bundle(ctx, &sgsign.PlainData{Data: data}, key, opts)
}

// bundle signs content into a Sigstore bundle, in its JSON form.
func bundle(ctx context.Context, content sgsign.Content, key *Key, opts Options) ([]byte, error) {
	keypair, bopts, err := bundleOptions(ctx, key, opts)
	if err != nil {
		return nil, err
	}
	b, err := sgsign.Bundle(content, keypair, bopts)
	if err != nil {
		return nil, fmt.Errorf("sign bundle: %w", err)
	}
	out, err := protojson.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return out, nil
}

// bundleOptions sets up the key (or an ephemeral one) and the services.
func bundleOptions(ctx context.Context, key *Key, opts Options) (sgsign.Keypair, sgsign.BundleOptions, error) {
	bopts := sgsign.BundleOptions{Context: ctx}
	if opts.Offline && opts.online() {
		return nil, bopts, errors.New("sign: keyless signing, transparency logs and timestamps need the network, which sign.Options.Offline refuses")
	}
	var keypair sgsign.Keypair = key
	switch {
	case opts.FulcioURL != "" && key != nil:
		return nil, bopts, errors.New("sign: expected a key or keyless signing (Fulcio), found both")
	case opts.FulcioURL != "":
		if opts.IDToken == "" {
			return nil, bopts, errors.New("sign: keyless signing needs an OIDC identity token (--identity-token, SIGSTORE_ID_TOKEN, or a CI that provides one)")
		}
		if _, err := CheckIDToken(opts.IDToken, time.Now()); err != nil {
			return nil, bopts, fmt.Errorf("sign: %w", err)
		}
		eph, err := sgsign.NewEphemeralKeypair(nil)
		if err != nil {
			return nil, bopts, err
		}
		keypair = eph
		bopts.CertificateProvider = sgsign.NewFulcio(&sgsign.FulcioOptions{BaseURL: opts.FulcioURL, Timeout: opts.Timeout, Retries: 2})
		bopts.CertificateProviderOptions = &sgsign.CertificateProviderOptions{IDToken: opts.IDToken}
	case key == nil:
		return nil, bopts, errors.New("sign: expected a key or keyless signing, found neither")
	}
	if !opts.online() {
		return keypair, bopts, nil
	}
	if opts.TrustedMaterial == nil {
		return nil, bopts, errors.New("sign: signing with services needs trust material to check the result (--trusted-root)")
	}
	bopts.TrustedRoot = opts.TrustedMaterial
	if opts.RekorURL != "" {
		version := opts.RekorVersion
		if version == 0 {
			v, err := DetectRekorVersion(ctx, opts.RekorURL)
			if err != nil {
				return nil, bopts, err
			}
			version = v
		}
		bopts.TransparencyLogs = append(bopts.TransparencyLogs, sgsign.NewRekor(&sgsign.RekorOptions{BaseURL: opts.RekorURL, Version: version, Timeout: opts.Timeout, Retries: 2}))
	}
	if opts.TSAURL != "" {
		bopts.TimestampAuthorities = append(bopts.TimestampAuthorities, sgsign.NewTimestampAuthority(&sgsign.TimestampAuthorityOptions{URL: opts.TSAURL, Timeout: opts.Timeout, Retries: 2}))
	}
	return keypair, bopts, nil
}
