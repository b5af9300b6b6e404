// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cluster

import (
	"context"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// NamespaceExists says whether namespace name exists.
func (c *Cluster) NamespaceExists(ctx context.Context, name string) (bool, error) {
	_, err := c.clientset.CoreV1().Namespaces().Get(ctx, name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return false, nil
	case err != nil:
		return false, c.explain(namespaceObject(name), err)
	}
	return true, nil
}

// CreateNamespace creates namespace name, labelled as airlock's; with
// dryRun the server only checks it.
func (c *Cluster) CreateNamespace(ctx context.Context, name string, dryRun bool) error {
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{LabelManagedBy: ManagedBy}}}
	opts := metav1.CreateOptions{FieldManager: FieldManager}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	_, err := c.clientset.CoreV1().Namespaces().Create(ctx, ns, opts)
	if err != nil {
		return c.explain(namespaceObject(name), err)
	}
	return nil
}

// DeleteNamespace deletes namespace name (which a cluster then empties
// and removes in the background).
func (c *Cluster) DeleteNamespace(ctx context.Context, name string) error {
	err := c.clientset.CoreV1().Namespaces().Delete(ctx, name, metav1.DeleteOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return c.explain(namespaceObject(name), err)
	}
	return nil
}
