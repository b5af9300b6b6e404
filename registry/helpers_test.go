// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package registry_test

import (
	"fmt"
	"testing"
)

// panicT lets an Example use airlocktest helpers; any failure panics.
type panicT struct{ testing.TB }

func (panicT) Helper()                   {}
func (panicT) Fatal(args ...any)         { panic(fmt.Sprint(args...)) }
func (panicT) Fatalf(f string, a ...any) { panic(fmt.Sprintf(f, a...)) }
