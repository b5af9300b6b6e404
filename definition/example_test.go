// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package definition_test

import (
	"fmt"

	"github.com/airlock-dev/airlock/definition"
)

func ExampleParse() {
	_, err := definition.Parse("airlock.yaml", []byte(`apiVersion: airlock.dev/v1alpha1
kind: Package
metadata: {name: hello, version: 1.0.0}
components:
  - name: app
    files:
      - path: ../../etc/passwd
`))
	fmt.Println(err)
	// Output: airlock.yaml:7:15: invalid definition: components[0].files[0].path: expected a path inside the definition's folder, found "../../etc/passwd"
}
