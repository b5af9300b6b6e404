// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package kube

import (
	"bytes"
	"fmt"
	"regexp"
	"sort"
	"unicode/utf8"

	yaml "go.yaml.in/yaml/v3"
)

// edit replaces one image node's value.
type edit struct {
	node *yaml.Node
	to   string
}

// plainRef is what a replacement may hold: an image reference, which YAML
// reads alike plain, single- or double-quoted.
var plainRef = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:/@+-]*$`).MatchString

// splice replaces each edited node's value in data at its exact bytes: the
// node's line and column (in characters, as the parser counts them) give
// its offset, and the bytes there must be its value, plain or quoted, or
// nothing is rewritten.
func splice(data []byte, edits []edit) ([]byte, error) {
	lines := lineStarts(data)
	sort.Slice(edits, func(i, j int) bool {
		return edits[i].node.Line < edits[j].node.Line ||
			edits[i].node.Line == edits[j].node.Line && edits[i].node.Column < edits[j].node.Column
	})
	var out bytes.Buffer
	last := 0
	for _, e := range edits {
		start, end, quote, err := locate(data, lines, e.node)
		if err != nil {
			return nil, err
		}
		if start < last {
			return nil, fmt.Errorf("%w: line %d: image values overlap: nothing was rewritten", ErrInvalid, e.node.Line)
		}
		out.Write(data[last:start])
		out.WriteString(quote + e.to + quote)
		last = end
	}
	out.Write(data[last:])
	return out.Bytes(), nil
}

// locate finds a node's value in data: its byte range and its quote.
func locate(data []byte, lines []int, n *yaml.Node) (start, end int, quote string, err error) {
	fail := func() (int, int, string, error) {
		return 0, 0, "", fmt.Errorf("%w: line %d: image %q is not written out as one plain or quoted value (escapes, several lines): nothing was rewritten", ErrInvalid, n.Line, n.Value)
	}
	if n.Line < 1 || n.Line > len(lines) || n.Column < 1 {
		return fail()
	}
	at := lines[n.Line-1]
	if n.Line == 1 && bytes.HasPrefix(data, []byte("\ufeff")) {
		at += 3 // the parser does not count a byte order mark
	}
	for col := 1; col < n.Column; col++ { // columns count characters
		if at >= len(data) || data[at] == '\n' || data[at] == '\r' {
			return fail()
		}
		_, size := utf8.DecodeRune(data[at:])
		at += size
	}
	switch n.Style {
	case yaml.DoubleQuotedStyle:
		quote = `"`
	case yaml.SingleQuotedStyle:
		quote = `'`
	case 0:
	default:
		return fail()
	}
	raw := quote + n.Value + quote
	if !bytes.HasPrefix(data[at:], []byte(raw)) {
		return fail()
	}
	end = at + len(raw)
	if quote == "" && end < len(data) && !bytes.ContainsRune([]byte(" \t\r\n,]}"), rune(data[end])) {
		return fail() // a plain value that goes on (over a line, or with characters the parser folded)
	}
	return at, end, quote, nil
}

// lineStarts lists the byte offset of each line, breaking lines where YAML
// does: at LF, CRLF, a lone CR, NEL, LS and PS.
func lineStarts(data []byte) []int {
	starts := []int{0}
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		next := i + size
		switch {
		case r == '\r' && next < len(data) && data[next] == '\n':
			next++
			starts = append(starts, next)
		case r == '\n' || r == '\r' || r == 0x85 || r == 0x2028 || r == 0x2029:
			starts = append(starts, next)
		}
		i = next
	}
	return starts
}
