// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"time"

	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/sign"
	"github.com/airlock-dev/airlock/verify"
)

// DeploymentRecordAPIVersion names the format of a [DeploymentRecord].
const DeploymentRecordAPIVersion = "airlock.dev/deployment/v1"

// The keys of a record Secret's data.
const (
	// RecordDataKey holds the [DeploymentRecord] as JSON.
	RecordDataKey = "record.json"
	// RecordVSAKey holds the gate's signed verification summary (a Sigstore
	// bundle), when the deploy was asked to sign one.
	RecordVSAKey = "vsa.sigstore.json"
	// RecordSignatureKey holds the gate's signature over the exact bytes
	// of record.json (a Sigstore bundle with a message signature), made
	// with the same key: [VerifyDeployed] checks it before it believes
	// anything the record says.
	RecordSignatureKey = "record.sigstore.json"
)

// maxRecord bounds a record read back from the cluster.
const maxRecord = 1 << 20

// DeploymentRecord is what a deploy leaves in the cluster: the Secret
// airlock-NAME of type airlock.dev/deployment in the namespace deployed
// into holds it as record.json.
type DeploymentRecord struct {
	APIVersion string `json:"apiVersion"`
	// Name, Version and Digest are the package's (Digest: its root).
	Name    string `json:"name"`
	Version string `json:"version"`
	Digest  string `json:"digest"`
	// Target is what was deployed from (an archive or oci:// reference).
	Target string `json:"target"`
	// Signer is who signed it, as verified; Signers all accepted signers.
	Signer  string   `json:"signer"`
	Signers []string `json:"signers"`
	// PolicyDigest is the digest of the canonical policy enforced.
	PolicyDigest string `json:"policyDigest,omitempty"`
	// Namespace is where it was deployed; DeployedAt when.
	Namespace  string    `json:"namespace"`
	DeployedAt time.Time `json:"deployedAt"`
	// Mirror is where the images are pulled from.
	Mirror string `json:"mirror,omitempty"`
	// Components, Charts, Images and Objects are what was deployed.
	Components []string         `json:"components"`
	Charts     []DeployedChart  `json:"charts"`
	Images     []DeployedImage  `json:"images"`
	Objects    []DeployedObject `json:"objects"`
	// Signed says the record Secret also holds the gate's signed
	// verification summary (vsa.sigstore.json) and its signature over this
	// record (record.sigstore.json). It is written by whoever wrote the
	// Secret: only [VerifyDeployed] with the gate's key proves it.
	Signed bool `json:"signed"`
	// Airlock is the airlock version that deployed it.
	Airlock string `json:"airlock"`
	// Record names the Secret (NAMESPACE/NAME); it is not stored.
	Record string `json:"record,omitempty"`
}

// recordName is a valid Secret name: a DNS subdomain.
var recordName = regexp.MustCompile(`^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$`)

// RecordName is the name of the record Secret of package name.
func RecordName(name string) (string, error) {
	s := "airlock-" + name
	if len(s) > 253 || !recordName.MatchString(s) {
		return "", fmt.Errorf("package %q: its deployment record would be Secret %q, which Kubernetes refuses (lower-case letters, digits, '-' and '.')", name, s)
	}
	return s, nil
}

// writeRecord writes the deployment record, with a signed summary when
// asked for.
func (h *Handle) writeRecord(ctx context.Context, c *cluster.Cluster, to DeployTo, res *DeployResult) error {
	info := h.pkg.Info()
	name, err := RecordName(info.Name)
	if err != nil {
		return err
	}
	rec := DeploymentRecord{APIVersion: DeploymentRecordAPIVersion, Name: info.Name, Version: info.Version, Digest: h.pkg.root.Digest.String(),
		Target: h.res.Target, Signers: []string{}, Namespace: c.Namespace(), DeployedAt: time.Now().UTC().Truncate(time.Second),
		Mirror: to.Mirror, Components: res.Components, Charts: res.Charts, Images: res.Images, Objects: res.Objects,
		Signed: to.Record != nil, Airlock: Version()}
	for _, s := range h.res.Signatures {
		if s.Verified {
			rec.Signers = append(rec.Signers, signerOf(s))
		}
	}
	if len(rec.Signers) > 0 {
		rec.Signer = rec.Signers[0]
	}
	if h.res.Policy != nil {
		rec.PolicyDigest = h.res.Policy.Digest
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	secret := map[string][]byte{RecordDataKey: data}
	location := c.Namespace() + "/" + name
	if to.Record != nil {
		r, err := h.Record(ctx, "k8s://"+c.Server()+"/namespaces/"+location, *to.Record)
		if err == nil {
			secret[RecordVSAKey] = r.Bundle
			h.recorded(r, "secret "+location)
			secret[RecordSignatureKey], err = sign.Message(ctx, data, to.Record.Key, to.Record.Sign)
		}
		if err != nil {
			return fmt.Errorf("%w: everything was applied, but the record could not be signed: %v", ErrDeploy, err)
		}
	}
	if err := c.WriteRecord(context.WithoutCancel(ctx), c.Namespace(), name, info.Name, secret); err != nil {
		return fmt.Errorf("%w: everything was applied, but the record was not written: %v", ErrDeploy, err)
	}
	res.Record = location
	return nil
}

// StatusOptions tunes [Status].
type StatusOptions struct {
	// Cluster says which cluster. Its Namespace, when set, limits the
	// listing to that namespace. Default: every namespace.
	Cluster cluster.Options
}

// StatusResult lists what is deployed.
type StatusResult struct {
	Packages []DeploymentRecord `json:"packages"`
	// Invalid names the record Secrets that could not be read as records,
	// and why.
	Invalid []string `json:"invalid,omitempty"`
}

// Status lists the deployment records in the cluster, as they were
// written (they say what was verified and deployed, not what runs now:
// [VerifyDeployed] checks that).
func Status(ctx context.Context, opts StatusOptions) (*StatusResult, error) {
	out := &StatusResult{Packages: []DeploymentRecord{}}
	c, err := cluster.Connect(opts.Cluster)
	if err != nil {
		return out, err
	}
	stored, err := c.Records(ctx, opts.Cluster.Namespace)
	if err != nil {
		return out, err
	}
	for _, s := range stored {
		rec, err := decodeRecord(s)
		if err != nil {
			out.Invalid = append(out.Invalid, err.Error())
			continue
		}
		out.Packages = append(out.Packages, *rec)
	}
	return out, nil
}

// decodeRecord reads a record Secret's record.
func decodeRecord(s cluster.StoredRecord) (*DeploymentRecord, error) {
	data := s.Data[RecordDataKey]
	var rec DeploymentRecord
	if len(data) > maxRecord || json.Unmarshal(data, &rec) != nil || rec.APIVersion != DeploymentRecordAPIVersion {
		return nil, fmt.Errorf("secret %s/%s: expected a %s record in %s", s.Namespace, s.Name, DeploymentRecordAPIVersion, RecordDataKey)
	}
	rec.Record = s.Namespace + "/" + s.Name
	return &rec, nil
}

// DeployedCheck is what [VerifyDeployed] found of one object.
type DeployedCheck struct {
	cluster.Ref
	// Expected are the images the record says it was deployed with;
	// Found those it has now.
	Expected []string `json:"expected"`
	Found    []string `json:"found"`
	// OK says they are the same; Gone that the object is not there.
	OK   bool `json:"ok"`
	Gone bool `json:"gone,omitempty"`
}

// DeployedVerification is what [VerifyDeployed] checked.
type DeployedVerification struct {
	Verified bool `json:"verified"`
	// RecordSigner is who signed the record, when a policy was given and
	// the signature verified; empty when the record was taken as the
	// cluster keeps it.
	RecordSigner string              `json:"recordSigner,omitempty"`
	Record       *DeploymentRecord   `json:"record"`
	Objects      []DeployedCheck     `json:"objects"`
	Failure      *verify.FailureInfo `json:"failure,omitempty"`
}

// checkReleases binds the releases a deploy would upgrade, or roll back to,
// to the last record this gate signed: with RecordOptions, each release
// must still be at the revision and digest that record names, for Helm
// acts on its stored releases (what an upgrade deletes, what a rollback
// restores) and whoever may write Secrets in the namespace may edit them.
// Without a record this gate signed, the releases are trusted as Helm
// trusts them (a note says so).
func (h *Handle) checkReleases(ctx context.Context, c *cluster.Cluster, plan *deployPlan, to DeployTo) error {
	var upgrades []*deployChart
	for _, comp := range plan.comps {
		for _, ch := range comp.charts {
			if ch.rendered.Current > 0 {
				upgrades = append(upgrades, ch)
			}
		}
	}
	if to.Record == nil || len(upgrades) == 0 || to.ForceConflicts {
		return nil
	}
	prev, err := h.signedRecord(ctx, c, to.Record)
	if f, ok := verify.AsFailure(err); errors.Is(err, cluster.ErrNoRecord) || ok && f.Reason == verify.ReasonNoSignature {
		plan.notes = append(plan.notes, fmt.Sprintf("no earlier record signed by a gate in %s: Helm's stored releases are trusted as Helm trusts them", c.Namespace()))
		return nil
	}
	if err != nil {
		return fmt.Errorf("%w: the releases to upgrade are bound to the gate's last record, which does not check (%v); --force-conflicts proceeds (nothing was applied)", cluster.ErrConflict, err)
	}
	for _, ch := range upgrades {
		r := ch.rendered
		i := slices.IndexFunc(prev.Charts, func(p DeployedChart) bool { return p.Release == ch.chart.Release })
		if i < 0 || prev.Charts[i].Revision != r.Current || prev.Charts[i].Digest != r.CurrentDigest {
			want := "no such release"
			if i >= 0 {
				want = fmt.Sprintf("revision %d, %s", prev.Charts[i].Revision, prev.Charts[i].Digest)
			}
			return fmt.Errorf("release %s: %w: expected it as the gate's last record says (%s), found revision %d, %s: it changed since airlock deployed it (its stored release may have been edited); --force-conflicts proceeds (nothing was applied)",
				ch.chart.Release, cluster.ErrConflict, want, r.Current, r.CurrentDigest)
		}
	}
	return nil
}

// signedRecord reads this package's record in the namespace and checks
// that the gate's key signed it and that it is about this package there.
func (h *Handle) signedRecord(ctx context.Context, c *cluster.Cluster, rec *RecordOptions) (*DeploymentRecord, error) {
	name, err := RecordName(h.pkg.Info().Name)
	if err != nil {
		return nil, err
	}
	stored, err := c.Record(ctx, c.Namespace(), name)
	if err != nil {
		return nil, err
	}
	gate := policy.Signer{Name: "the gate's key", PublicKey: rec.Key.GetPublicKey()}
	p := policy.Policy{Signers: []policy.Signer{gate}, InsecureIgnoreTlog: true}
	if _, err := checkRecordSignature(*stored, VerifyDeployedOptions{Policy: p}); err != nil {
		return nil, err
	}
	prev, err := decodeRecord(*stored)
	if err == nil && (prev.Name != h.pkg.Info().Name || prev.Namespace != c.Namespace()) {
		err = verify.Fail(verify.ReasonNameMismatch, "secret %s: expected the record of %s in %s, found one of %s in %s",
			prev.Record, h.pkg.Info().Name, c.Namespace(), prev.Name, prev.Namespace)
	}
	return prev, err
}
