// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlocktest

import (
	"crypto"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/theupdateframework/go-tuf/v2/metadata"
)

// TUFRepo is a TUF repository made for a test, laid out as a mirror serves
// it: one Ed25519 key per role, consistent snapshots, one target, and two
// root versions (a rotation), so clients walk 1.root.json to 2.root.json.
type TUFRepo struct {
	// Dir holds the repository's files; serve it with http.FileServer.
	Dir string
	// Root1 is the first root.json, the one clients pin.
	Root1 []byte
	// Expires is when every role's metadata expires.
	Expires time.Time
}

// NewTUFRepo writes a repository whose one target, name, holds content.
func NewTUFRepo(t testing.TB, name string, content []byte) *TUFRepo {
	t.Helper()
	dir := t.TempDir()
	repo := &TUFRepo{Dir: dir, Expires: time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)}
	signers := map[string]signature.Signer{}
	root := metadata.Root(repo.Expires)
	root.Signed.ConsistentSnapshot = true
	for _, role := range []string{"root", "targets", "snapshot", "timestamp"} {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		key, err := metadata.KeyFromPublicKey(pub)
		if err != nil {
			t.Fatal(err)
		}
		if err := root.Signed.AddKey(key, role); err != nil {
			t.Fatal(err)
		}
		signers[role], _ = signature.LoadSigner(priv, crypto.Hash(0))
	}
	write := func(file string, md interface {
		Sign(signature.Signer) (*metadata.Signature, error)
		ToBytes(bool) ([]byte, error)
	}, role string) []byte {
		if _, err := md.Sign(signers[role]); err != nil {
			t.Fatal(err)
		}
		data, err := md.ToBytes(true)
		if err != nil {
			t.Fatal(err)
		}
		writeFile(t, filepath.Join(dir, file), string(data))
		return data
	}
	repo.Root1 = write("1.root.json", root, "root")
	root.Signed.Version = 2
	root.ClearSignatures()
	write("2.root.json", root, "root")
	targets := metadata.Targets(repo.Expires)
	tf, err := metadata.TargetFile().FromBytes(name, content, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	targets.Signed.Targets[name] = tf
	write("1.targets.json", targets, "targets")
	if err := os.MkdirAll(filepath.Join(dir, "targets"), 0o755); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(dir, "targets", hex.EncodeToString(tf.Hashes["sha256"])+"."+name), string(content))
	snapshot := metadata.Snapshot(repo.Expires)
	snapshot.Signed.Meta["targets.json"] = metadata.MetaFile(1)
	write("1.snapshot.json", snapshot, "snapshot")
	timestamp := metadata.Timestamp(repo.Expires)
	timestamp.Signed.Meta["snapshot.json"] = metadata.MetaFile(1)
	write("timestamp.json", timestamp, "timestamp")
	return repo
}
