// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cluster

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/client-go/dynamic"
)

// Change says what an apply did to an object, as kubectl says it.
type Change string

// The changes an apply reports.
const (
	Created    Change = "created"
	Configured Change = "configured"
	Unchanged  Change = "unchanged"
)

// ApplyOptions tune [Cluster.Apply].
type ApplyOptions struct {
	// DryRun asks the server to check everything and store nothing.
	DryRun bool
	// Force takes over fields another field manager owns (kubectl's
	// --force-conflicts), and objects another package or tool made.
	// Default: those are errors.
	Force bool
	// Owner names the package applying: the object is annotated
	// airlock.dev/package=Owner, and an object another package applied is
	// refused. Default: none.
	Owner string
}

// AnnotationPackage names the package that applied an object.
const AnnotationPackage = "airlock.dev/package"

// ErrConflict marks an apply that would change fields another field
// manager owns.
var ErrConflict = errors.New("conflict with another field manager")

// ErrRejected marks an object the server refused (invalid, forbidden, of
// an unknown kind).
var ErrRejected = errors.New("rejected by the API server")

// ErrNamespaceMissing marks an object refused because its namespace does
// not exist (it is an [ErrRejected] too).
var ErrNamespaceMissing = fmt.Errorf("%w (no such namespace)", ErrRejected)

// Apply applies obj by server-side apply under [FieldManager]. An object
// that exists and that airlock did not apply before is refused, unless
// opts.Force takes it over (as Helm refuses to adopt what it did not
// make): a package cannot merge into another owner's object. A
// namespaced object without a namespace goes to the cluster's namespace
// (obj is changed to say so); a cluster-scoped one loses any namespace it
// named. It reports whether the object was created, changed or left as
// it was (its resourceVersion unchanged).
func (c *Cluster) Apply(ctx context.Context, obj *unstructured.Unstructured, opts ApplyOptions) (Change, error) {
	res, err := c.resource(obj)
	if err != nil {
		return "", err
	}
	before, err := res.Get(ctx, obj.GetName(), metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		before = nil
	case err != nil:
		return "", c.explain(obj, err)
	}
	if err := owned(obj, before, opts); err != nil {
		return "", err
	}
	ao := metav1.ApplyOptions{FieldManager: FieldManager, Force: opts.Force}
	if opts.DryRun {
		ao.DryRun = []string{metav1.DryRunAll}
	}
	after, err := res.Apply(ctx, obj.GetName(), obj, ao)
	if err != nil {
		return "", c.explain(obj, err)
	}
	switch {
	case before == nil:
		return Created, nil
	case before.GetResourceVersion() == after.GetResourceVersion():
		return Unchanged, nil
	}
	return Configured, nil
}

// owned annotates obj with its owner, and refuses, unless forced, to
// apply it over an existing object that airlock did not apply, or that
// another package did.
func owned(obj, before *unstructured.Unstructured, opts ApplyOptions) error {
	if opts.Owner != "" {
		ann := obj.GetAnnotations()
		if ann == nil {
			ann = map[string]string{}
		}
		ann[AnnotationPackage] = opts.Owner
		obj.SetAnnotations(ann)
	}
	switch {
	case before == nil || opts.Force:
		return nil
	case !managedBy(before, FieldManager):
		return fmt.Errorf("%s: %w: it exists and airlock did not apply it (its managers: %s); --force-conflicts takes it over",
			RefOf(obj), ErrConflict, strings.Join(managers(before), ", "))
	case opts.Owner != "" && before.GetAnnotations()[AnnotationPackage] != opts.Owner:
		return fmt.Errorf("%s: %w: it belongs to package %q, not %s; --force-conflicts takes it over",
			RefOf(obj), ErrConflict, before.GetAnnotations()[AnnotationPackage], opts.Owner)
	}
	return nil
}

// managedBy says manager owns some of obj's fields.
func managedBy(obj *unstructured.Unstructured, manager string) bool {
	return slices.Contains(managers(obj), manager)
}

// managers lists obj's field managers.
func managers(obj *unstructured.Unstructured) []string {
	var out []string
	for _, f := range obj.GetManagedFields() {
		if !slices.Contains(out, f.Manager) {
			out = append(out, f.Manager)
		}
	}
	if len(out) == 0 {
		out = []string{"none recorded"}
	}
	return out
}

// Get reads the object ref names (nil, nil when it does not exist).
func (c *Cluster) Get(ctx context.Context, ref Ref) (*unstructured.Unstructured, error) {
	obj := &unstructured.Unstructured{}
	obj.SetAPIVersion(ref.APIVersion)
	obj.SetKind(ref.Kind)
	obj.SetNamespace(ref.Namespace)
	obj.SetName(ref.Name)
	res, err := c.resource(obj)
	if err != nil {
		return nil, err
	}
	got, err := res.Get(ctx, ref.Name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, c.explain(obj, err)
	}
	return got, nil
}

// resource finds obj's resource, setting or clearing its namespace as
// its scope says. A kind the server does not know is looked up once more
// after discovery is refreshed (a CRD applied a moment ago).
func (c *Cluster) resource(obj *unstructured.Unstructured) (dynamic.ResourceInterface, error) {
	gvk := obj.GroupVersionKind()
	mapping, err := c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if meta.IsNoMatchError(err) {
		c.mapper.Reset()
		mapping, err = c.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	}
	if meta.IsNoMatchError(err) {
		return nil, fmt.Errorf("%s: %w: the server has no kind %s in %s", RefOf(obj), ErrRejected, gvk.Kind, gvk.GroupVersion())
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", RefOf(obj), ErrConnect, err)
	}
	if mapping.Scope.Name() != meta.RESTScopeNameNamespace {
		obj.SetNamespace("")
		return c.dynamic.Resource(mapping.Resource), nil
	}
	if obj.GetNamespace() == "" {
		obj.SetNamespace(c.namespace)
	}
	return c.dynamic.Resource(mapping.Resource).Namespace(obj.GetNamespace()), nil
}

// explain names the object and says what kind of failure err is.
func (c *Cluster) explain(obj *unstructured.Unstructured, err error) error {
	ref := RefOf(obj)
	switch {
	case apierrors.IsConflict(err):
		return fmt.Errorf("%s: %w: %v (--force-conflicts takes those fields over)", ref, ErrConflict, err)
	case IsNamespaceMissing(err):
		return fmt.Errorf("%s: %w: namespace %s does not exist", ref, ErrNamespaceMissing, obj.GetNamespace())
	case apierrors.IsInvalid(err), apierrors.IsBadRequest(err), apierrors.IsForbidden(err), apierrors.IsNotFound(err),
		apierrors.IsMethodNotSupported(err), apierrors.IsUnsupportedMediaType(err), apierrors.IsRequestEntityTooLargeError(err):
		return fmt.Errorf("%s: %w: %v", ref, ErrRejected, err)
	}
	return fmt.Errorf("%s: %w: %v", ref, ErrConnect, err)
}

// IsNamespaceMissing says err is the server refusing an object because
// its namespace does not exist.
func IsNamespaceMissing(err error) bool {
	var status apierrors.APIStatus
	if !errors.As(err, &status) || !apierrors.IsNotFound(err) {
		return false
	}
	d := status.Status().Details
	return d != nil && d.Kind == "namespaces"
}
