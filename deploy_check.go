// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/airlock-dev/airlock/cluster"
	"github.com/airlock-dev/airlock/kube"
	"github.com/airlock-dev/airlock/verify"
)

// VerifyDeployed reads the deployment record of package name in the
// namespace opts.Cluster names and checks that every object it lists with
// images is still in the cluster and still carries exactly the images the
// record says it was deployed with, container by container. A change is a
// verification failure (DEPLOYMENT_CHANGED); a record that cannot be read
// is an error.
func VerifyDeployed(ctx context.Context, name string, opts StatusOptions) (*DeployedVerification, error) {
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
	if out.Record, err = decodeRecord(*stored); err != nil {
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
		out.Failure = &verify.FailureInfo{Reason: verify.ReasonDeploymentChanged, Message: err.Error()}
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
