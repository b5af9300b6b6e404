// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/opencontainers/go-digest"

	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/kube"
	"github.com/airlock-dev/airlock/policy"
	"github.com/airlock-dev/airlock/trust"
	"github.com/airlock-dev/airlock/verify"
)

// VerifyDeployedOptions tunes [VerifyDeployed].
type VerifyDeployedOptions struct {
	// Cluster says which cluster and namespace.
	Cluster cluster.Options
	// Policy, when it names signers, requires the record to be signed by
	// one of them (a gate's key, deploy's RecordOptions): record.json is
	// checked against record.sigstore.json before anything in it is
	// believed. Default: the record is taken as the cluster keeps it, as
	// trustworthy as the cluster's access control on Secrets.
	Policy policy.Policy
	// Trust is the trust material for keyless signers. Default: the
	// embedded public-good root.
	Trust *trust.Material
}

// VerifyDeployed reads the deployment record of package name in the
// namespace opts.Cluster names, checks its signature when opts.Policy
// names signers, and checks that every object it lists with images is
// still in the cluster and still carries exactly the images the record
// says it was deployed with, container by container. An unsigned or
// forged record (under a policy) or a change is a verification failure
// (DEPLOYMENT_CHANGED, or the signature's reason); a record that cannot be
// read is an error.
func VerifyDeployed(ctx context.Context, name string, opts VerifyDeployedOptions) (*DeployedVerification, error) {
	out := &DeployedVerification{Objects: []DeployedCheck{}}
	c, err := cluster.Connect(opts.Cluster)
	if err != nil {
		return out, err
	}
	secret, err := RecordName(name)
	if err != nil {
		return out, err
	}
	stored, err := c.Record(ctx, c.Namespace(), secret)
	if err != nil {
		return out, err
	}
	if len(opts.Policy.Signers) > 0 {
		if out.RecordSigner, err = checkRecordSignature(*stored, opts); err != nil {
			out.Failure = failureInfo(err)
			return out, err
		}
	}
	if out.Record, err = decodeRecord(*stored); err != nil {
		return out, err
	}
	// A record (signed or not) copied to another name or namespace speaks of
	// other objects: it must be about the package asked for, where it is.
	if rec := out.Record; rec.Name != name || rec.Namespace != stored.Namespace {
		err := verify.Fail(verify.ReasonNameMismatch, "secret %s/%s: expected the record of package %s deployed into %s, found one of %s deployed into %s",
			stored.Namespace, stored.Name, name, stored.Namespace, rec.Name, rec.Namespace)
		out.Failure = failureInfo(err)
		return out, err
	}
	var changed []string
	for _, o := range out.Record.Objects {
		if len(o.Images) == 0 {
			continue
		}
		check, err := checkDeployed(ctx, c, o)
		if err != nil {
			return out, err
		}
		out.Objects = append(out.Objects, check)
		if !check.OK {
			found := list(check.Found)
			if check.Gone {
				found = "the object gone"
			}
			changed = append(changed, fmt.Sprintf("%s: expected images %s, found %s", check.Ref, list(check.Expected), found))
		}
	}
	if len(changed) > 0 {
		err := verify.Fail(verify.ReasonDeploymentChanged, "%d of %d objects deployed from %s %s changed: %s",
			len(changed), len(out.Objects), out.Record.Name, out.Record.Version, strings.Join(changed, "; "))
		out.Failure = failureInfo(err)
		return out, err
	}
	out.Verified = true
	return out, nil
}

// checkDeployed compares one object's images now with the record's.
func checkDeployed(ctx context.Context, c *cluster.Cluster, o DeployedObject) (DeployedCheck, error) {
	check := DeployedCheck{Ref: o.Ref, Expected: []string{}, Found: []string{}}
	for _, img := range o.Images {
		check.Expected = append(check.Expected, img.Container+"="+img.Ref)
	}
	live, err := c.Get(ctx, o.Ref)
	if err != nil || live == nil {
		check.Gone = live == nil
		return check, err
	}
	delete(live.Object, "status") // what runs reports its images there; the spec is what was applied
	images, err := kube.RewriteObject(live.Object, nil)
	if err != nil {
		return check, err
	}
	for _, img := range images {
		check.Found = append(check.Found, img.Container+"="+img.Ref)
	}
	check.OK = slices.Equal(check.Expected, check.Found)
	return check, nil
}

// list writes images for a message.
func list(images []string) string {
	if len(images) == 0 {
		return "none"
	}
	return strings.Join(images, ", ")
}

// checkRecordSignature verifies the record's exact bytes against its
// signature under the policy, and returns who signed it.
func checkRecordSignature(s cluster.StoredRecord, opts VerifyDeployedOptions) (string, error) {
	sig, ok := s.Data[RecordSignatureKey]
	if !ok {
		return "", verify.Fail(verify.ReasonNoSignature, "secret %s/%s: expected the record signed (%s), found no signature: it was not written by a deploy with --record-key",
			s.Namespace, s.Name, RecordSignatureKey)
	}
	data := s.Data[RecordDataKey]
	v, err := verifier(opts.Trust)
	if err != nil {
		return "", err
	}
	art := verify.Artifact{Digest: digest.FromBytes(data), Open: func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }}
	res, err := v.Bundle(s.Namespace+"/"+s.Name+"/"+RecordSignatureKey, sig, art, opts.Policy)
	if err != nil {
		return "", err
	}
	return signerOf(res), nil
}

// failureInfo is err as a result's failure.
func failureInfo(err error) *verify.FailureInfo {
	info := &verify.FailureInfo{Message: err.Error()}
	if f, ok := verify.AsFailure(err); ok {
		info.Reason = f.Reason
	}
	return info
}
