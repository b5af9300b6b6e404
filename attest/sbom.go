// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package attest

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/opencontainers/go-digest"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
)

// SPDX returns the package's SBOM as an SPDX 2.3 JSON document in a
// statement: the package, each file and manifest as an SPDX file, each chart
// and image as an SPDX package, with their checksums, and relationships from
// the package to each (CONTAINS).
func SPDX(b Build) ([]byte, error) {
	rootID := common.ElementID("Package-" + b.Name)
	doc := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    common.ElementID("DOCUMENT"),
		DocumentName:      b.Name + "-" + b.Version,
		DocumentNamespace: "https://airlock.dev/spdx/" + b.Name + "/" + b.Version + "/" + b.Root.Encoded(),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: "airlock"}},
			Created:  b.Finished.UTC().Format(time.RFC3339),
		},
		Packages: []*spdx.Package{{
			PackageName: b.Name, PackageSPDXIdentifier: rootID, PackageVersion: b.Version,
			PackageDownloadLocation: "NOASSERTION", PackageDescription: b.Description,
			PackageChecksums:      []common.Checksum{checksum(b.Root.Encoded())},
			PrimaryPackagePurpose: "CONTAINER",
		}},
		Relationships: []*spdx.Relationship{{
			RefA: common.MakeDocElementID("", "DOCUMENT"), RefB: common.MakeDocElementID("", string(rootID)), Relationship: common.TypeRelationshipDescribe,
		}},
	}
	for i, d := range b.Dependencies {
		id := common.ElementID(fmt.Sprintf("%s-%d", d.Kind, i+1))
		switch d.Kind {
		case "file", "manifest":
			doc.Files = append(doc.Files, &spdx.File{
				FileName: "./" + d.path(), FileSPDXIdentifier: id,
				Checksums: []common.Checksum{checksum(d.Digest.Encoded())}, FileCopyrightText: "NOASSERTION",
				FileTypes: []string{fileType(d.Kind)},
			})
		default:
			pkg := &spdx.Package{
				PackageName: d.Name, PackageSPDXIdentifier: id, PackageDownloadLocation: "NOASSERTION",
				PackageChecksums: []common.Checksum{checksum(d.Digest.Encoded())},
			}
			if d.Kind == "image" {
				pkg.PrimaryPackagePurpose = "CONTAINER"
				pkg.PackageExternalReferences = []*spdx.PackageExternalReference{{Category: "PACKAGE-MANAGER", RefType: "purl", Locator: imagePURL(d)}}
				for _, s := range d.SBOMs {
					// The image's own SBOM travels in the package as a signed
					// attestation: a referrer of the image, named by digest.
					pkg.PackageExternalReferences = append(pkg.PackageExternalReferences, &spdx.PackageExternalReference{
						Category: "OTHER", RefType: "upstream-sbom-attestation", Locator: UpstreamSBOMLocator(s),
					})
				}
			}
			doc.Packages = append(doc.Packages, pkg)
		}
		doc.Relationships = append(doc.Relationships, &spdx.Relationship{
			RefA: common.MakeDocElementID("", string(rootID)), RefB: common.MakeDocElementID("", string(id)), Relationship: common.TypeRelationshipContains,
		})
	}
	var buf bytes.Buffer
	if err := spdxjson.Write(doc, &buf); err != nil {
		return nil, fmt.Errorf("SPDX: %w", err)
	}
	return Statement(b.Root, PredicateSPDX, buf.Bytes())
}

func checksum(hexSHA256 string) common.Checksum {
	return common.Checksum{Algorithm: common.SHA256, Value: hexSHA256}
}

func fileType(kind string) string {
	if kind == "manifest" {
		return "TEXT"
	}
	return "OTHER"
}

// imagePURL is the image's package URL: pkg:oci/NAME@DIGEST?repository_url=HOST/PATH.
func imagePURL(d Dependency) string {
	name, _, _ := strings.Cut(d.Name, "@")
	repo := name
	if i := strings.LastIndex(name, ":"); i > strings.LastIndex(name, "/") {
		repo = name[:i]
	}
	last := repo[strings.LastIndex(repo, "/")+1:]
	return fmt.Sprintf("pkg:oci/%s@%s?repository_url=%s", last, strings.Replace(d.Digest.String(), ":", "%3A", 1), repo)
}

// CycloneDX returns the package's SBOM as a CycloneDX 1.6 JSON BOM in a statement.
func CycloneDX(b Build) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + uuidFrom(b.Root.Encoded())
	bom.Metadata = &cdx.Metadata{
		Timestamp: b.Finished.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "airlock"}}},
		Component: &cdx.Component{
			BOMRef: "package", Type: cdx.ComponentTypeContainer, Name: b.Name, Version: b.Version, Description: b.Description,
			Hashes: &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: b.Root.Encoded()}},
		},
	}
	components := make([]cdx.Component, 0, len(b.Dependencies))
	for i, d := range b.Dependencies {
		c := cdx.Component{
			BOMRef: fmt.Sprintf("%s-%d", d.Kind, i+1), Type: cdx.ComponentTypeFile, Name: d.Name,
			Hashes:     &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: d.Digest.Encoded()}},
			Properties: &[]cdx.Property{{Name: "airlock:component", Value: d.Component}, {Name: "airlock:kind", Value: d.Kind}},
		}
		if d.Kind == "image" {
			c.Type, c.PackageURL = cdx.ComponentTypeContainer, imagePURL(d)
			var refs []cdx.ExternalReference
			for _, s := range d.SBOMs {
				refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeBOM, URL: UpstreamSBOMLocator(s), Comment: "the image's own SBOM attestation, carried in the package"})
			}
			if len(refs) > 0 {
				c.ExternalReferences = &refs
			}
		}
		components = append(components, c)
	}
	bom.Components = &components
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("CycloneDX: %w", err)
	}
	return Statement(b.Root, PredicateCycloneDX, buf.Bytes())
}

// uuidFrom shapes the first 16 bytes of a hex digest as a UUID, so the same
// package always gets the same serial number.
func uuidFrom(h string) string {
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// UpstreamSBOMLocator names an image's SBOM attestation carried in the
// package: its referrer manifest's digest, as "oci-referrer:sha256:HEX".
func UpstreamSBOMLocator(d digest.Digest) string { return "oci-referrer:" + d.String() }
