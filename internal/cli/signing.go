// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/internal/limited"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/trust"
)

// The public-good Sigstore services, used for keyless signing when neither
// flags nor a signing config name others.
const (
	publicGoodFulcio = "https://fulcio.sigstore.dev"
	publicGoodRekor  = "https://rekor.sigstore.dev"
	publicGoodTSA    = "https://timestamp.sigstore.dev/api/v1/timestamp"
)

// signingFlags say how to sign: with a key, or keylessly with an OIDC
// identity, Fulcio, Rekor and a timestamp authority.
type signingFlags struct {
	key                                 string
	identityToken                       string
	fulcioURL, rekorURL, tsaURL, config string
	rekorVersion                        uint32
}

func (f *signingFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.key, "key", "", "sign with this private key (cosign's encrypted format, or unencrypted PEM); without it, sign keylessly")
	fl.StringVar(&f.identityToken, "identity-token", "", "OIDC identity token for keyless signing, or a file holding it (default: SIGSTORE_ID_TOKEN, or the CI's)")
	fl.StringVar(&f.fulcioURL, "fulcio-url", "", "Fulcio for keyless certificates (default: the signing config's, else public good)")
	fl.StringVar(&f.rekorURL, "rekor-url", "", "Rekor transparency log (v1 or v2; default for keyless: the signing config's, else public good)")
	fl.Uint32Var(&f.rekorVersion, "rekor-api-version", 0, "Rekor API version, 1 or 2 (default: detect)")
	fl.StringVar(&f.tsaURL, "tsa-url", "", "RFC 3161 timestamp authority, the full URL (.../api/v1/timestamp)")
	fl.StringVar(&f.config, "signing-config", "", "Sigstore signing config (v0.2) naming Fulcio, Rekor and the TSA")
	if fl.Lookup("trusted-root") == nil { // create shares it with the trust flags
		fl.StringArray("trusted-root", nil, "trusted_root.json that signatures made with services must verify against (repeatable)")
	}
}

// explicit reports whether any signing flag was given.
func (f *signingFlags) explicit() bool {
	return f.key != "" || f.identityToken != "" || f.fulcioURL != "" || f.config != ""
}

// options returns the key (nil for keyless signing) and the sign options.
func (f *signingFlags) options(cmd *cobra.Command) (*sign.Key, sign.Options, error) {
	offline, _ := cmd.Flags().GetBool("offline")
	opts := sign.Options{RekorURL: f.rekorURL, RekorVersion: f.rekorVersion, TSAURL: f.tsaURL, Offline: offline}
	var key *sign.Key
	if f.key != "" {
		var err error
		if key, err = loadKey(cmd, f.key); err != nil {
			return nil, opts, err
		}
	} else if offline {
		return nil, opts, errors.New("keyless signing needs Fulcio, Rekor and a timestamp authority, which --offline refuses: sign with --key")
	} else {
		opts.FulcioURL = f.fulcioURL
		token, err := f.token(cmd)
		if err != nil {
			return nil, opts, err
		}
		opts.IDToken = token
	}
	if f.config != "" {
		var err error
		if opts, err = sign.FromSigningConfig(f.config, opts); err != nil {
			return nil, opts, err
		}
		if key != nil {
			opts.FulcioURL = "" // a key signs for itself; the config's CA is not used
		}
	} else if key == nil {
		opts.FulcioURL = firstOf(opts.FulcioURL, publicGoodFulcio)
		opts.RekorURL = firstOf(opts.RekorURL, publicGoodRekor)
		opts.TSAURL = firstOf(opts.TSAURL, publicGoodTSA)
	}
	if opts.FulcioURL != "" || opts.RekorURL != "" || opts.TSAURL != "" {
		roots, _ := cmd.Flags().GetStringArray("trusted-root")
		tm, err := trust.Load(trust.Options{TrustedRoots: roots, Env: os.LookupEnv})
		if err != nil {
			return nil, opts, err
		}
		opts.TrustedMaterial = tm.TrustedMaterialCollection
	}
	return key, opts, nil
}

// token reads --identity-token (a token or a file holding one), else finds
// one in the environment.
func (f *signingFlags) token(cmd *cobra.Command) (string, error) {
	if f.identityToken != "" {
		if data, err := limited.ReadFile(f.identityToken, policy.MaxFileSize); err == nil {
			return strings.TrimSpace(string(data)), nil
		}
		return f.identityToken, nil
	}
	tok, err := sign.FindIDToken(cmd.Context(), os.LookupEnv, nil)
	if errors.Is(err, sign.ErrNoToken) {
		return "", fmt.Errorf("%w; or pass --key to sign with a key", err)
	}
	return tok, err
}

func firstOf(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
