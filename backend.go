// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package airlock

import (
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/opencontainers/go-digest"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"oras.land/oras-go/v2/content"
	"oras.land/oras-go/v2/registry/remote"

	"github.com/airlock-dev/airlock/archive"
	"github.com/airlock-dev/airlock/internal/graph"
	"github.com/airlock-dev/airlock/registry"
	"github.com/airlock-dev/airlock/spec"
	"github.com/airlock-dev/airlock/verify"
)

// backend is where a package's bytes come from: an archive file or a
// registry repository. Fetch checks each read against the descriptor's
// digest as it streams; referrers lists the manifests that claim to be
// about subject, as the archive's index.json or the registry lists them
// (unread and untrusted: see referrerReader).
type backend interface {
	content.Fetcher
	referrers(ctx context.Context, subject ocispec.Descriptor) ([]registry.Referrer, error)
	close() error
}

var (
	_ backend = (*archiveBackend)(nil)
	_ backend = (*remoteBackend)(nil)
)

// archiveBackend reads a package archive in place (split in parts or
// not), and a differential archive's omitted blobs from its base.
type archiveBackend struct {
	r *archive.Reader
	// base is a differential archive's base (nil for a complete one).
	base *Package
	// bySubject groups index.json's entries by what they are about.
	bySubject map[digest.Digest][]registry.Referrer
}

func openArchive(ctx context.Context, path string, opts OpenOptions) (*archiveBackend, ocispec.Descriptor, error) {
	r, err := archive.Open(path)
	if err != nil {
		return nil, ocispec.Descriptor{}, err
	}
	a := &archiveBackend{r: r}
	root, err := r.Root()
	if err == nil {
		err = a.openBase(ctx, opts)
	}
	if err != nil {
		a.close()
		return nil, ocispec.Descriptor{}, err
	}
	return a, root, nil
}

// openBase opens a differential archive's base, which must be the package
// it names.
func (a *archiveBackend) openBase(ctx context.Context, opts OpenOptions) error {
	want, differential, err := a.r.Base()
	if err != nil || !differential {
		return err
	}
	if opts.Base == "" {
		return fmt.Errorf("%w: it omits the blobs of %s %s (%s): pass that package as --base (OpenOptions.Base)", archive.ErrNeedsBase, want.Name, want.Version, want.Root)
	}
	base, err := Open(ctx, opts.Base, OpenOptions{Registry: opts.Registry})
	if err != nil {
		return fmt.Errorf("open the base %s: %w", opts.Base, err)
	}
	if base.root.Digest != want.Root {
		base.Close()
		return fmt.Errorf("wrong base: the archive was made against %s %s (%s); %s is %s %s (%s)", want.Name, want.Version, want.Root,
			opts.Base, base.Info().Name, base.Info().Version, base.root.Digest)
	}
	a.base = base
	return nil
}

// baseFetcher serves the base's blobs (nil for a complete archive).
func (a *archiveBackend) baseFetcher() content.Fetcher {
	if a.base == nil {
		return nil
	}
	return a.base.src
}

func (a *archiveBackend) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	if a.base != nil && !a.r.Holds(desc.Digest) {
		rc, err := a.base.src.Fetch(ctx, desc)
		if err != nil {
			return nil, fmt.Errorf("%s is not in the differential archive, and its base %s: %w", desc.Digest, a.base.target, err)
		}
		return rc, nil
	}
	return a.r.Fetch(ctx, desc)
}

// FetchRaw serves an archive blob's stored bytes, unchecked (see
// [Handle.FetchRaw]); a blob from the base, checked.
func (a *archiveBackend) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	if !a.r.Holds(desc.Digest) {
		return archive.FetchFrom(ctx, a, desc, offset)
	}
	sr, err := a.r.Raw(desc)
	if err != nil {
		return nil, err
	}
	return io.NopCloser(io.NewSectionReader(sr, offset, desc.Size-offset)), nil
}

func (a *archiveBackend) referrers(_ context.Context, subject ocispec.Descriptor) ([]registry.Referrer, error) {
	return a.bySubject[subject.Digest], nil
}

func (a *archiveBackend) close() error {
	if a.base != nil {
		a.base.Close()
	}
	return a.r.Close()
}

// legacyTag matches cosign's tags for a subject's signatures and
// attestations: sha256-<hex>.sig and .att.
var legacyTag = regexp.MustCompile(`^sha256-([0-9a-f]{64})\.(sig|att)$`)

// index reads index.json's entries once and groups them by subject. Every
// entry but the root must be a referrer of something the package holds (the
// root, an image, or one of an image's platforms): by its subject field, or
// by cosign's legacy tag as its name. Anything else is refused: index.json
// is what other tools resolve names with, so an entry nothing vouches for
// (one carrying the package's own name, say) is not carried silently.
func (a *archiveBackend) index(ctx context.Context, subjects func(context.Context) ([]ocispec.Descriptor, error)) error {
	list, err := subjects(ctx)
	if err != nil {
		return err
	}
	allowed := map[digest.Digest]bool{}
	for _, s := range list {
		allowed[s.Digest] = true
	}
	root, _ := a.r.Root()
	a.bySubject = map[digest.Digest][]registry.Referrer{}
	for _, d := range a.r.Index().Manifests {
		if d.Digest == root.Digest {
			continue
		}
		subject, tag, err := a.entrySubject(ctx, d)
		if err != nil {
			return err
		}
		if !allowed[subject] {
			return verify.Fail(verify.ReasonMalformedPackage, "index.json entry %s: expected a referrer of the package root or of an image it carries, found one about %s", d.Digest, subject)
		}
		a.bySubject[subject] = append(a.bySubject[subject], registry.Referrer{Descriptor: d, LegacyTag: tag, Subject: subject})
	}
	return nil
}

// entrySubject says what an index.json entry other than the root is about.
func (a *archiveBackend) entrySubject(ctx context.Context, d ocispec.Descriptor) (digest.Digest, string, error) {
	if name, ok := d.Annotations[spec.AnnotationRefName]; ok {
		m := legacyTag.FindStringSubmatch(name)
		if m == nil {
			return "", "", verify.Fail(verify.ReasonMalformedPackage, "index.json entry %s: expected only the package root to carry a name other than cosign's sha256-<hex>.sig or .att, found %q", d.Digest, name)
		}
		if d.MediaType != ocispec.MediaTypeImageManifest && d.MediaType != spec.MediaTypeDockerManifest {
			return "", "", verify.Fail(verify.ReasonMalformedPackage, "index.json entry %s (%s): expected a manifest, found a %q", d.Digest, name, d.MediaType)
		}
		return digest.NewDigestFromEncoded(digest.SHA256, m[1]), name, nil
	}
	if d.MediaType != ocispec.MediaTypeImageManifest {
		return "", "", verify.Fail(verify.ReasonMalformedPackage, "index.json entry %s: expected the package root or a referrer manifest, found a %s", d.Digest, d.MediaType)
	}
	data, err := graph.ReadBounded(ctx, a.r, d, spec.MaxManifestSize)
	if err != nil {
		return "", "", err
	}
	subject, err := spec.Subject(d.MediaType, data)
	if err != nil {
		return "", "", verify.Fail(verify.ReasonMalformedPackage, "index.json entry %s: %v", d.Digest, err)
	}
	if subject == nil {
		return "", "", verify.Fail(verify.ReasonMalformedPackage, "index.json entry %s: expected the package root or a referrer, found a manifest with no subject", d.Digest)
	}
	return subject.Digest, "", nil
}

// remoteBackend reads a package from a registry repository.
type remoteBackend struct {
	store *registry.Store
}

// openRemote resolves target once and probes the referrers API.
func openRemote(ctx context.Context, target string, opts registry.Options) (*remoteBackend, ocispec.Descriptor, string, error) {
	ref, err := registry.ParseTarget(target)
	if err != nil {
		return nil, ocispec.Descriptor{}, "", err
	}
	if ref.Reference == "" {
		return nil, ocispec.Descriptor{}, "", errExpectedTag(target)
	}
	b, err := newRemote(ref.Registry+"/"+ref.Repository, opts)
	if err != nil {
		return nil, ocispec.Descriptor{}, "", err
	}
	root, err := resolveOnce(ctx, target, func() (ocispec.Descriptor, error) { return b.store.Repository().Resolve(ctx, ref.Reference) })
	if err != nil {
		return nil, ocispec.Descriptor{}, "", fmt.Errorf("resolve %s: %w", target, registry.Explain(ref.Registry, err))
	}
	tag := ref.Reference
	if d, err := digest.Parse(ref.Reference); err == nil {
		if root.Digest != d {
			return nil, ocispec.Descriptor{}, "", verify.Fail(verify.ReasonDigestMismatch, "expected %s to resolve to %s, found %s", target, d, root.Digest)
		}
		tag = ""
	}
	if err := b.probe(ctx); err != nil {
		return nil, ocispec.Descriptor{}, "", err
	}
	return b, plain(root), tag, nil
}

// newRemote returns a backend for the repository REGISTRY/REPO.
func newRemote(repository string, opts registry.Options) (*remoteBackend, error) {
	host, repo, _ := strings.Cut(repository, "/")
	r, err := registry.Repository(orasReference(host, repo), opts)
	if err != nil {
		return nil, err
	}
	return &remoteBackend{store: registry.NewStore(r)}, nil
}

// probe asks the registry whether it serves the referrers API.
func (b *remoteBackend) probe(ctx context.Context) error {
	_, err := registry.ProbeReferrers(ctx, b.store.Repository())
	return err
}

func (b *remoteBackend) Fetch(ctx context.Context, desc ocispec.Descriptor) (io.ReadCloser, error) {
	return b.store.Fetch(ctx, desc)
}

func (b *remoteBackend) referrers(ctx context.Context, subject ocispec.Descriptor) ([]registry.Referrer, error) {
	return registry.Discover(ctx, b.store.Repository(), plain(subject))
}

func (b *remoteBackend) close() error { return nil }

// FetchRaw serves a blob as the registry sends it, unchecked (see
// [Handle.FetchRaw]).
func (b *remoteBackend) FetchRaw(ctx context.Context, desc ocispec.Descriptor, offset int64) (io.ReadCloser, error) {
	return b.store.FetchRaw(ctx, desc, offset)
}

// repository returns the registry client.
func (b *remoteBackend) repository() *remote.Repository { return b.store.Repository() }
