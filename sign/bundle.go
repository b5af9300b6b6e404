// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package sign

import (
	"context"
	"fmt"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/opencontainers/go-digest"
	sgsign "github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/airlock-dev/airlock/spec"
)

// Options says how a bundle is signed. The zero value signs with the key
// alone: no transparency log entry and no timestamp (offline signing), which
// a verifier must explicitly accept and which its report records.
type Options struct{}

// Statement returns an in-toto Statement v1 about subject with the given
// predicate type and predicate (nil means an empty object), serialised as
// cosign serialises it.
func Statement(subject digest.Digest, predicateType string, predicate *structpb.Struct) ([]byte, error) {
	if err := subject.Validate(); err != nil {
		return nil, fmt.Errorf("statement subject: %w", err)
	}
	if predicate == nil {
		predicate = &structpb.Struct{}
	}
	st := &intoto.Statement{
		Type: intoto.StatementTypeUri,
		Subject: []*intoto.ResourceDescriptor{{
			Digest: map[string]string{subject.Algorithm().String(): subject.Encoded()},
		}},
		PredicateType: predicateType,
		Predicate:     predicate,
	}
	if err := st.Validate(); err != nil {
		return nil, fmt.Errorf("statement: %w", err)
	}
	return protojson.Marshal(st)
}

// Digest signs subject as cosign v3 signs an image: a DSSE envelope over a
// statement of type spec.PredicateTypeCosignSign. It returns the bundle's JSON.
func Digest(ctx context.Context, subject digest.Digest, key *Key, opts Options) ([]byte, error) {
	payload, err := Statement(subject, spec.PredicateTypeCosignSign, nil)
	if err != nil {
		return nil, err
	}
	return DSSE(ctx, payload, key, opts)
}

// DSSE signs an in-toto statement in a DSSE envelope and returns the
// Sigstore bundle (v0.3) as JSON.
func DSSE(ctx context.Context, statement []byte, key *Key, opts Options) ([]byte, error) {
	b, err := sgsign.Bundle(&sgsign.DSSEData{Data: statement, PayloadType: spec.MediaTypeInToto}, key, sgsign.BundleOptions{Context: ctx})
	if err != nil {
		return nil, fmt.Errorf("sign bundle: %w", err)
	}
	out, err := protojson.Marshal(b)
	if err != nil {
		return nil, fmt.Errorf("encode bundle: %w", err)
	}
	return out, nil
}
