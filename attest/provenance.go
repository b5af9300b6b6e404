// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package attest

import (
	"fmt"
	"regexp"

	prov "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/opencontainers/go-digest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"
)

// LocalBuilder is the builder id of a create run outside a known CI.
const LocalBuilder = "https://airlock.dev/builders/local"

// Provenance returns the SLSA provenance v1 statement of a build: the
// definition as external parameters (its digest and content), every file,
// manifest, chart and image as resolved dependencies, the builder and
// invocation from the CI environment (or a local builder), and the times.
func Provenance(b Build) ([]byte, error) {
	external, err := structpb.NewStruct(map[string]any{
		"definition": map[string]any{
			"digest":  map[string]any{"sha256": digest.FromBytes(b.Definition).Encoded()},
			"content": string(b.Definition),
		},
		"package": map[string]any{"name": b.Name, "version": b.Version},
	})
	if err != nil {
		return nil, err
	}
	ci := detectCI(b.Env)
	deps := make([]*intoto.ResourceDescriptor, 0, len(b.Dependencies)+1)
	if ci.source != nil {
		deps = append(deps, ci.source)
	}
	for _, d := range b.Dependencies {
		name := d.Name
		if d.Kind != "image" {
			name = d.path()
		}
		deps = append(deps, &intoto.ResourceDescriptor{
			Name:      name,
			Uri:       dependencyURI(d),
			Digest:    map[string]string{d.Digest.Algorithm().String(): d.Digest.Encoded()},
			MediaType: d.MediaType,
		})
	}
	buildType := BuildType
	if b.BuildType != "" {
		buildType = b.BuildType
	}
	p := &prov.Provenance{
		BuildDefinition: &prov.BuildDefinition{
			BuildType:            buildType,
			ExternalParameters:   external,
			InternalParameters:   ci.internal,
			ResolvedDependencies: deps,
		},
		RunDetails: &prov.RunDetails{
			Builder: &prov.Builder{Id: ci.builder},
			Metadata: &prov.BuildMetadata{
				InvocationId: ci.invocation,
				StartedOn:    timestamppb.New(b.Started),
				FinishedOn:   timestamppb.New(b.Finished),
			},
		},
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("provenance: %w", err)
	}
	pred, err := protojson.Marshal(p)
	if err != nil {
		return nil, err
	}
	return Statement(b.Root, PredicateSLSAProvenance, pred)
}

func dependencyURI(d Dependency) string {
	if d.Kind == "image" {
		return "oci://" + d.Name
	}
	return "file:" + d.Name
}

var gitCommit = regexp.MustCompile(`^(?:[0-9a-f]{40}|[0-9a-f]{64})$`)

// ci is what the CI environment says about a build.
type ci struct {
	builder, invocation string
	internal            *structpb.Struct
	source              *intoto.ResourceDescriptor
}

// detectCI reads GitHub Actions' or GitLab CI's variables.
func detectCI(env func(string) (string, bool)) ci {
	get := func(k string) string {
		if env == nil {
			return ""
		}
		v, _ := env(k)
		return v
	}
	switch {
	case get("GITHUB_ACTIONS") == "true":
		server, repo := get("GITHUB_SERVER_URL"), get("GITHUB_REPOSITORY")
		internal, _ := structpb.NewStruct(map[string]any{"github": map[string]any{
			"repository": repo, "ref": get("GITHUB_REF"), "sha": get("GITHUB_SHA"),
			"workflowRef": get("GITHUB_WORKFLOW_REF"), "event": get("GITHUB_EVENT_NAME"),
			"runId": get("GITHUB_RUN_ID"), "runAttempt": get("GITHUB_RUN_ATTEMPT"),
			"runnerEnvironment": get("RUNNER_ENVIRONMENT"),
		}})
		return ci{
			builder:    server + "/" + get("GITHUB_WORKFLOW_REF"),
			invocation: fmt.Sprintf("%s/%s/actions/runs/%s/attempts/%s", server, repo, get("GITHUB_RUN_ID"), get("GITHUB_RUN_ATTEMPT")),
			internal:   internal,
			source:     gitSource("git+"+server+"/"+repo+"@"+get("GITHUB_REF"), get("GITHUB_SHA")),
		}
	case get("GITLAB_CI") == "true":
		internal, _ := structpb.NewStruct(map[string]any{"gitlab": map[string]any{
			"project": get("CI_PROJECT_PATH"), "ref": get("CI_COMMIT_REF_NAME"), "sha": get("CI_COMMIT_SHA"),
			"pipelineId": get("CI_PIPELINE_ID"), "jobId": get("CI_JOB_ID"), "runnerId": get("CI_RUNNER_ID"),
		}})
		return ci{
			builder:    get("CI_SERVER_URL") + "/" + get("CI_PROJECT_PATH") + "/-/runners/" + get("CI_RUNNER_ID"),
			invocation: get("CI_JOB_URL"),
			internal:   internal,
			source:     gitSource("git+"+get("CI_PROJECT_URL")+"@"+get("CI_COMMIT_REF_NAME"), get("CI_COMMIT_SHA")),
		}
	}
	return ci{builder: LocalBuilder}
}

// gitSource is the source commit as a resolved dependency, when the CI
// names one that is a git commit hash (SHA-1 or SHA-256, in hex).
func gitSource(uri, commit string) *intoto.ResourceDescriptor {
	if !gitCommit.MatchString(commit) {
		return nil
	}
	return &intoto.ResourceDescriptor{Uri: uri, Digest: map[string]string{"gitCommit": commit}}
}
