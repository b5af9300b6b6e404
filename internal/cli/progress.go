// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"fmt"
	"os"
	"sync"

	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"github.com/spf13/cobra"
	"github.com/vbauerster/mpb/v8"
	"github.com/vbauerster/mpb/v8/decor"
	"golang.org/x/term"

	"github.com/airlock-dev/airlock"
)

// bars draws a progress bar per blob and one for the total, with rate and
// ETA, on a terminal. It implements airlock.Progress.
type bars struct {
	p     *mpb.Progress
	mu    sync.Mutex
	blobs map[string]*mpb.Bar
	total *mpb.Bar
	sum   int64
}

var _ airlock.Progress = (*bars)(nil)

// newBars returns bars drawing on the command's stderr when it is a
// terminal and --quiet was not given, else nil (quiet).
func newBars(cmd *cobra.Command) *bars {
	if quiet, _ := cmd.Flags().GetBool("quiet"); quiet {
		return nil
	}
	w := cmd.ErrOrStderr()
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	p := mpb.New(mpb.WithOutput(w), mpb.WithWidth(40))
	total := p.AddBar(0,
		mpb.PrependDecorators(decor.Name("total       "), decor.CountersKibiByte("% .1f / % .1f")),
		mpb.AppendDecorators(decor.AverageSpeed(decor.SizeB1024(0), "% .1f"), decor.Name("  ETA "), decor.AverageETA(decor.ET_STYLE_MMSS)),
	)
	return &bars{p: p, blobs: map[string]*mpb.Bar{}, total: total}
}

// progress returns b as an airlock.Progress, or nil when there are no bars.
func (b *bars) progress() airlock.Progress {
	if b == nil {
		return nil
	}
	return b
}

// Started adds a bar for a blob.
func (b *bars) Started(desc ocispec.Descriptor) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.sum += desc.Size
	b.total.SetTotal(b.sum, false)
	b.blobs[desc.Digest.String()] = b.p.AddBar(desc.Size,
		mpb.PrependDecorators(decor.Name(label(desc)), decor.CountersKibiByte(" % .1f / % .1f")),
		mpb.AppendDecorators(decor.Percentage()),
		mpb.BarRemoveOnComplete(),
	)
}

// Moved advances a blob's bar and the total.
func (b *bars) Moved(desc ocispec.Descriptor, n int) {
	b.mu.Lock()
	bar := b.blobs[desc.Digest.String()]
	b.mu.Unlock()
	if bar != nil {
		bar.IncrBy(n)
	}
	b.total.IncrBy(n)
}

// Finished completes a blob's bar.
func (b *bars) Finished(desc ocispec.Descriptor) {
	b.mu.Lock()
	bar := b.blobs[desc.Digest.String()]
	delete(b.blobs, desc.Digest.String())
	b.mu.Unlock()
	if bar != nil {
		bar.SetTotal(-1, true)
	}
}

// wait completes the total and waits for the bars to be drawn.
func (b *bars) wait() {
	if b == nil {
		return
	}
	b.total.SetTotal(-1, true)
	b.p.Wait()
}

// label names a blob's bar: its name when it has one (the end of it, when
// long), else the start of its digest; escaped.
func label(desc ocispec.Descriptor) string {
	name := desc.Annotations[ocispec.AnnotationTitle]
	if name == "" {
		return short(desc.Digest.Encoded())
	}
	if r := []rune(name); len(r) > 32 {
		name = "..." + string(r[len(r)-29:])
	}
	return clean(fmt.Sprintf("%-32s", name))
}

// short is the first 12 characters of an encoded digest, escaped.
func short(encoded string) string {
	if len(encoded) > 12 {
		encoded = encoded[:12]
	}
	return clean(encoded)
}
