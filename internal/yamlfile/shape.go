// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package yamlfile

import (
	"fmt"

	"github.com/goccy/go-yaml/lexer"
	"github.com/goccy/go-yaml/token"
)

// MaxDepth is how deeply the YAML airlock reads from packages may nest.
// Kubernetes manifests, CRD schemas included, stay far below it; the
// parser's time grows much faster than the input with depth (a 200 KB
// document nested 100,000 deep takes it about 40 s, and the parse cannot be
// cancelled), so depth is checked before parsing.
const MaxDepth = 200

// Shape says what [CheckShape] allows.
type Shape struct {
	// MaxDepth bounds the nesting of collections, block and flow alike.
	MaxDepth int
	// NoAliases refuses every alias. A document that is decoded (not only
	// parsed) expands its aliases, and anchors of aliases of anchors grow
	// exponentially: a few hundred bytes become gigabytes.
	NoAliases bool
	// NoMergeKeys refuses merge keys (<<), which parsers resolve differently.
	NoMergeKeys bool
}

// CheckShape checks, before any parsing, that data stays within s. It reads
// the lexer's tokens once (the lexer's time grows with the input only):
// flow collections count their brackets, block collections the distinct
// columns of the keys and sequence entries that enclose a token.
func CheckShape(data []byte, s Shape) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("malformed YAML (lexer panic: %v)", r)
		}
	}()
	var block []int // columns of the enclosing block keys and entries
	flow, line := 0, 0
	for _, tk := range lexer.Tokenize(string(data)) {
		switch tk.Type {
		case token.CommentType:
			continue // closes nothing, whatever its column
		case token.DocumentHeaderType, token.DocumentEndType:
			block, flow = block[:0], 0
			continue
		case token.SequenceStartType, token.MappingStartType:
			flow++
		case token.SequenceEndType, token.MappingEndType:
			flow--
		case token.AliasType:
			if s.NoAliases {
				return fmt.Errorf("line %d: expected no YAML aliases, found *%s", tk.Position.Line, tk.Value)
			}
		case token.MergeKeyType:
			if s.NoMergeKeys {
				return fmt.Errorf("line %d: expected no YAML merge keys, found <<", tk.Position.Line)
			}
		}
		if flow == 0 && (tk.Position.Line != line || tk.Type == token.SequenceEntryType) {
			col := tk.Position.Column
			for len(block) > 0 && block[len(block)-1] >= col {
				block = block[:len(block)-1]
			}
			block = append(block, col)
			line = tk.Position.Line
		}
		if depth := len(block) + flow; depth > s.MaxDepth {
			return fmt.Errorf("line %d: expected YAML nested at most %d deep, found more", tk.Position.Line, s.MaxDepth)
		}
	}
	return nil
}
