// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cluster

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
)

// MaxManifest bounds a manifest Decode reads: 16 MiB.
const MaxManifest = 16 << 20

// MaxObjects bounds the objects of one manifest.
const MaxObjects = 10000

// ErrManifest marks a manifest that is not a stream of Kubernetes objects.
var ErrManifest = errors.New("invalid Kubernetes manifest")

// Ref names an object in a cluster.
type Ref struct {
	APIVersion string `json:"apiVersion"`
	Kind       string `json:"kind"`
	Namespace  string `json:"namespace,omitempty"`
	Name       string `json:"name"`
}

// String is KIND/NAME, with its namespace: NAMESPACE/KIND/NAME.
func (r Ref) String() string {
	if r.Namespace == "" {
		return r.Kind + "/" + r.Name
	}
	return r.Namespace + "/" + r.Kind + "/" + r.Name
}

// RefOf names obj.
func RefOf(obj *unstructured.Unstructured) Ref {
	return Ref{APIVersion: obj.GetAPIVersion(), Kind: obj.GetKind(), Namespace: obj.GetNamespace(), Name: obj.GetName()}
}

// Decode reads the objects of a manifest (YAML documents or JSON, as
// kubectl reads them; a List's items one by one), in order. Empty
// documents are skipped; an object without apiVersion, kind or name is an
// error, as is a manifest over MaxManifest bytes or MaxObjects objects.
func Decode(data []byte) ([]*unstructured.Unstructured, error) {
	if len(data) > MaxManifest {
		return nil, fmt.Errorf("%w: %d bytes, more than the %d allowed", ErrManifest, len(data), MaxManifest)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	var out []*unstructured.Unstructured
	for doc := 1; ; doc++ {
		var m map[string]any
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: document %d: %v", ErrManifest, doc, err)
		}
		if len(m) == 0 {
			continue
		}
		objs, err := expand(&unstructured.Unstructured{Object: m}, doc)
		if err != nil {
			return nil, err
		}
		if out = append(out, objs...); len(out) > MaxObjects {
			return nil, fmt.Errorf("%w: more than %d objects", ErrManifest, MaxObjects)
		}
	}
}

// expand checks an object and returns it, or a List's items.
func expand(obj *unstructured.Unstructured, doc int) ([]*unstructured.Unstructured, error) {
	if obj.IsList() {
		var out []*unstructured.Unstructured
		err := obj.EachListItem(func(o runtime.Object) error {
			item, ok := o.(*unstructured.Unstructured)
			if !ok {
				return fmt.Errorf("%w: document %d: a List item that is not an object", ErrManifest, doc)
			}
			objs, err := expand(item, doc)
			out = append(out, objs...)
			return err
		})
		return out, err
	}
	if obj.GetAPIVersion() == "" || obj.GetKind() == "" || (obj.GetName() == "" && obj.GetGenerateName() == "") {
		return nil, fmt.Errorf("%w: document %d: expected an object with apiVersion, kind and metadata.name, found %q %q %q",
			ErrManifest, doc, obj.GetAPIVersion(), obj.GetKind(), obj.GetName())
	}
	if obj.GetName() == "" {
		return nil, fmt.Errorf("%w: document %d: %s with generateName: server-side apply needs a name", ErrManifest, doc, obj.GetKind())
	}
	return []*unstructured.Unstructured{obj}, nil
}

// namespaceObject is a Namespace named name, to name in errors.
func namespaceObject(name string) *unstructured.Unstructured {
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion("v1")
	obj.SetKind("Namespace")
	obj.SetName(name)
	return obj
}
