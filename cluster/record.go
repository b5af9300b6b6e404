// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cluster

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	corev1ac "k8s.io/client-go/applyconfigurations/core/v1"
)

// RecordType is the type of the Secrets that record deployments.
const RecordType = "airlock.dev/deployment"

// LabelPackage names the package a record is about.
const LabelPackage = "airlock.dev/package"

// ErrNoRecord marks a record Secret that does not exist.
var ErrNoRecord = errors.New("no deployment record")

// StoredRecord is a deployment record as the cluster keeps it.
type StoredRecord struct {
	// Namespace and Name name its Secret.
	Namespace, Name string
	// Data is the Secret's data.
	Data map[string][]byte
	// Created is when the Secret was created.
	Created time.Time
}

// WriteRecord writes (or replaces) the record Secret name in namespace:
// of type [RecordType], labelled as airlock's and with the package's name.
func (c *Cluster) WriteRecord(ctx context.Context, namespace, name, pkg string, data map[string][]byte) error {
	labels := map[string]string{LabelManagedBy: ManagedBy}
	if len(pkg) <= 63 {
		labels[LabelPackage] = pkg
	}
	secret := corev1ac.Secret(name, namespace).WithType(RecordType).WithLabels(labels).WithData(data)
	_, err := c.clientset.CoreV1().Secrets(namespace).Apply(ctx, secret, metav1.ApplyOptions{FieldManager: FieldManager, Force: true})
	if err != nil {
		return c.explain(secretObject(namespace, name), err)
	}
	return nil
}

// Records lists the record Secrets of namespace ("": of every namespace).
func (c *Cluster) Records(ctx context.Context, namespace string) ([]StoredRecord, error) {
	list, err := c.clientset.CoreV1().Secrets(namespace).List(ctx, metav1.ListOptions{FieldSelector: "type=" + RecordType})
	if err != nil {
		return nil, c.explain(secretObject(namespace, "*"), err)
	}
	out := make([]StoredRecord, 0, len(list.Items))
	for _, s := range list.Items {
		out = append(out, stored(&s))
	}
	return out, nil
}

// Record reads the record Secret name in namespace.
func (c *Cluster) Record(ctx context.Context, namespace, name string) (*StoredRecord, error) {
	s, err := c.clientset.CoreV1().Secrets(namespace).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, fmt.Errorf("%w %s in namespace %s", ErrNoRecord, name, namespace)
	}
	if err != nil {
		return nil, c.explain(secretObject(namespace, name), err)
	}
	if s.Type != RecordType {
		return nil, fmt.Errorf("secret %s/%s: expected type %s, found %q", namespace, name, RecordType, s.Type)
	}
	r := stored(s)
	return &r, nil
}

func stored(s *corev1.Secret) StoredRecord {
	return StoredRecord{Namespace: s.Namespace, Name: s.Name, Data: s.Data, Created: s.CreationTimestamp.Time}
}

func secretObject(namespace, name string) *unstructured.Unstructured {
	obj := namespaceObject(name)
	obj.SetKind("Secret")
	obj.SetNamespace(namespace)
	return obj
}
