// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

// Package cluster is airlock's side of a Kubernetes cluster: it connects
// as kubectl does (a kubeconfig, a context, a namespace), applies objects
// by server-side apply under the field manager "airlock" (dry runs
// included), installs and upgrades Helm charts with the Helm v4 SDK, and
// keeps the record of a deployment in a Secret of type
// airlock.dev/deployment. It knows nothing of packages or signatures: the
// root package decides what is applied, once it verified it.
package cluster

import (
	"errors"
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
)

// FieldManager is the field manager of every object airlock applies.
const FieldManager = "airlock"

// ManagedBy is the value of the app.kubernetes.io/managed-by label on
// what airlock makes itself: namespaces and records.
const ManagedBy = "airlock"

// LabelManagedBy is the well-known label naming an object's manager.
const LabelManagedBy = "app.kubernetes.io/managed-by"

// ErrConnect marks a cluster that cannot be reached or named: no
// kubeconfig, an unknown context, a server that does not answer.
var ErrConnect = errors.New("cannot reach the cluster")

// Options say which cluster, as kubectl's flags do. The zero value uses
// $KUBECONFIG (or ~/.kube/config), its current context and namespace.
type Options struct {
	// Kubeconfig is the kubeconfig file (--kubeconfig). Default:
	// $KUBECONFIG, else ~/.kube/config.
	Kubeconfig string
	// Context is the kubeconfig context (--context). Default: its
	// current context.
	Context string
	// Namespace is the namespace (--namespace). Default: the context's,
	// else "default".
	Namespace string
	// UserAgent names the client to the server. Default: "airlock".
	UserAgent string
}

// Cluster is a connection to a Kubernetes API server.
type Cluster struct {
	getter    *getter
	config    *rest.Config
	dynamic   dynamic.Interface
	clientset kubernetes.Interface
	mapper    meta.ResettableRESTMapper
	namespace string
}

// Connect reads the kubeconfig as kubectl does. It does not call the
// server: the first request does.
func Connect(opts Options) (*Cluster, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = opts.Kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: opts.Context}
	overrides.Context.Namespace = opts.Namespace
	loader := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	config, err := loader.ClientConfig()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	ns, _, err := loader.Namespace()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	config.UserAgent = opts.UserAgent
	if config.UserAgent == "" {
		config.UserAgent = "airlock"
	}
	config.QPS, config.Burst = 50, 100
	dc, err := discovery.NewDiscoveryClientForConfig(config)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	cached := memory.NewMemCacheClient(dc)
	c := &Cluster{config: config, namespace: ns, mapper: restmapper.NewDeferredDiscoveryRESTMapper(cached)}
	c.getter = &getter{loader: loader, config: config, discovery: cached, mapper: c.mapper}
	if c.dynamic, err = dynamic.NewForConfig(config); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	if c.clientset, err = kubernetes.NewForConfig(config); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrConnect, err)
	}
	return c, nil
}

// Namespace is the namespace chosen: --namespace, else the context's,
// else "default".
func (c *Cluster) Namespace() string { return c.namespace }

// Server is the API server's URL.
func (c *Cluster) Server() string { return c.config.Host }

// getter hands Helm the connection airlock made (Helm's
// genericclioptions.RESTClientGetter), with discovery cached in memory
// rather than under ~/.kube.
type getter struct {
	loader    clientcmd.ClientConfig
	config    *rest.Config
	discovery discovery.CachedDiscoveryInterface
	mapper    meta.RESTMapper
}

func (g *getter) ToRESTConfig() (*rest.Config, error) { return rest.CopyConfig(g.config), nil }

func (g *getter) ToDiscoveryClient() (discovery.CachedDiscoveryInterface, error) {
	return g.discovery, nil
}

func (g *getter) ToRESTMapper() (meta.RESTMapper, error) { return g.mapper, nil }

func (g *getter) ToRawKubeConfigLoader() clientcmd.ClientConfig { return g.loader }
