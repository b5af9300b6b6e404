// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package definition

import (
	"encoding/json"
	"reflect"

	"github.com/airlock-dev/airlock/internal/yamlfile"
)

// SchemaID names the JSON Schema of airlock.yaml.
const SchemaID = "https://airlock.dev/schemas/airlock.yaml/v1alpha1.json"

// required names, per definition type, its required fields.
var required = map[reflect.Type][]string{
	reflect.TypeOf(Package{}):   {"apiVersion", "kind", "metadata", "components"},
	reflect.TypeOf(Metadata{}):  {"name", "version"},
	reflect.TypeOf(Component{}): {"name"},
	reflect.TypeOf(File{}):      {"path"},
	reflect.TypeOf(Manifest{}):  {"path"},
	reflect.TypeOf(Chart{}):     {"path"},
	reflect.TypeOf(Image{}):     {"ref"},
}

// Schema returns the JSON Schema (draft 2020-12) of airlock.yaml, made
// from the types Parse decodes into, for editors: every field, unknown
// fields refused, required fields required, and the shapes of the
// apiVersion, kind, names, version and platforms.
func Schema() ([]byte, error) {
	s := schemaOf(reflect.TypeOf(Package{}))
	props := s["properties"].(map[string]any)
	props["apiVersion"] = map[string]any{"const": APIVersion}
	props["kind"] = map[string]any{"const": Kind}
	meta := props["metadata"].(map[string]any)["properties"].(map[string]any)
	meta["name"] = map[string]any{"type": "string", "pattern": namePattern.String()}
	meta["version"] = map[string]any{"type": "string", "pattern": versionPattern.String()}
	component := props["components"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)
	component["name"] = map[string]any{"type": "string", "pattern": namePattern.String()}
	image := component["images"].(map[string]any)["items"].(map[string]any)["properties"].(map[string]any)
	image["platforms"] = map[string]any{"type": "array", "items": map[string]any{"type": "string", "pattern": platformPattern.String()}}
	s["$schema"] = "https://json-schema.org/draft/2020-12/schema"
	s["$id"] = SchemaID
	s["title"] = "airlock package definition (airlock.yaml)"
	return json.MarshalIndent(s, "", "  ")
}

// schemaOf describes a Go type as the YAML decoder reads it.
func schemaOf(t reflect.Type) map[string]any {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return map[string]any{"type": "string"}
	case reflect.Bool:
		return map[string]any{"type": "boolean"}
	case reflect.Int, reflect.Int64, reflect.Int32, reflect.Uint, reflect.Uint64:
		return map[string]any{"type": "integer"}
	case reflect.Slice:
		return map[string]any{"type": "array", "items": schemaOf(t.Elem())}
	case reflect.Map:
		return map[string]any{"type": "object", "additionalProperties": schemaOf(t.Elem())}
	case reflect.Struct:
		props := map[string]any{}
		for name, ft := range yamlfile.Fields(t) {
			props[name] = schemaOf(ft)
		}
		s := map[string]any{"type": "object", "properties": props, "additionalProperties": false}
		if r := required[t]; r != nil {
			s["required"] = r
		}
		return s
	}
	return map[string]any{}
}
