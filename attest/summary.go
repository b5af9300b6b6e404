// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package attest

import (
	"encoding/json"
	"fmt"
)

// Summary describes a statement in one line, so that a signer is shown what
// it is asked to sign: SLSA provenance by its builder id and build type, an
// SPDX SBOM by its package count, a CycloneDX SBOM by its component count,
// anything else by its predicate type alone. The statement is untrusted:
// the line says what it claims.
func Summary(statement []byte) string {
	var st struct {
		PredicateType string          `json:"predicateType"`
		Predicate     json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(statement, &st); err != nil {
		return "not a statement: " + err.Error()
	}
	switch st.PredicateType {
	case PredicateSLSAProvenance:
		var p struct {
			BuildDefinition struct {
				BuildType string `json:"buildType"`
			} `json:"buildDefinition"`
			RunDetails struct {
				Builder struct {
					ID string `json:"id"`
				} `json:"builder"`
			} `json:"runDetails"`
		}
		json.Unmarshal(st.Predicate, &p)
		return fmt.Sprintf("SLSA provenance: builder %s, build type %s", orNone(p.RunDetails.Builder.ID), orNone(p.BuildDefinition.BuildType))
	case PredicateSPDX:
		var p struct {
			Packages []json.RawMessage `json:"packages"`
		}
		json.Unmarshal(st.Predicate, &p)
		return fmt.Sprintf("SPDX SBOM: %d packages", len(p.Packages))
	case PredicateCycloneDX:
		var p struct {
			Components []json.RawMessage `json:"components"`
		}
		json.Unmarshal(st.Predicate, &p)
		return fmt.Sprintf("CycloneDX SBOM: %d components", len(p.Components))
	}
	return "statement of type " + st.PredicateType
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}
