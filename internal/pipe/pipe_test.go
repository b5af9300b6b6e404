// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package pipe_test

import (
	"bytes"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"testing/iotest"

	"github.com/airlock-dev/airlock/internal/pipe"
)

func TestReadAhead(t *testing.T) {
	data := make([]byte, 5*pipe.Chunk+123)
	rand.Read(data)
	ra := pipe.ReadAhead(bytes.NewReader(data))
	got, err := io.ReadAll(iotest.OneByteReader(io.LimitReader(ra, 1000)))
	if err != nil || !bytes.Equal(got, data[:1000]) {
		t.Fatalf("first bytes: %v", err)
	}
	rest, err := io.ReadAll(ra)
	if err != nil || !bytes.Equal(append(got, rest...), data) {
		t.Fatalf("all of it: %v (%d bytes)", err, len(got)+len(rest))
	}
	ra.Close()

	boom := errors.New("boom")
	ra = pipe.ReadAhead(io.MultiReader(bytes.NewReader(data[:pipe.Chunk+5]), iotest.ErrReader(boom)))
	if got, err := io.ReadAll(ra); !errors.Is(err, boom) || len(got) != pipe.Chunk+5 {
		t.Fatalf("expected the bytes, then the error: %d %v", len(got), err)
	}
	ra.Close()

	// Closed half way, the reader may be closed after it.
	ra = pipe.ReadAhead(bytes.NewReader(data))
	io.ReadFull(ra, make([]byte, 10))
	ra.Close()
	ra.Close()
}
