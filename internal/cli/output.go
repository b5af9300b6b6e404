// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"unicode"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock/verify"
)

// clean escapes what a terminal would act on in a string that came from a
// package, a bundle or a registry: control characters (C0, DEL, C1, so no
// escape sequence can repaint the screen and no newline can forge a line)
// and the bidirectional controls that reorder what is shown.
func clean(s string) string {
	if strings.IndexFunc(s, unsafeRune) < 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case !unsafeRune(r):
			b.WriteRune(r)
		case r < 0x80:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			fmt.Fprintf(&b, `\u%04x`, r)
		}
	}
	return b.String()
}

func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Bidi_Control, r) || r == unicode.ReplacementChar
}

// printJSON writes v as indented JSON, the form every --format json takes.
// encoding/json escapes C0 controls; DEL, C1 controls and bidirectional
// controls, which it leaves raw, are escaped too (JSON allows \\u escapes
// anywhere in a string, and these runes occur only inside strings).
func printJSON(w io.Writer, v any) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return err
	}
	var out strings.Builder
	for _, r := range buf.String() {
		if r != '\n' && unsafeRune(r) {
			fmt.Fprintf(&out, `\u%04x`, r)
			continue
		}
		out.WriteRune(r)
	}
	_, err := io.WriteString(w, out.String())
	return err
}

// optionFlags names, for the library's option names that errors mention,
// the flags that set them.
var optionFlags = strings.NewReplacer(
	"registry.Options.Offline", "--offline",
	"sign.Options.Offline", "--offline",
	"Policy.InsecureIgnoreTlog", "--insecure-ignore-tlog",
	"Policy.InsecureIgnoreSCT", "--insecure-ignore-sct",
	"Policy.Attestations", "--predicate-type",
	"PushOptions.InsecureUnsigned", "--insecure",
	"PushOptions.Key", "--key",
	"SignOptions.Statements", "--statement TYPE",
	"VerifyOptions.ExpectVersion", "--expect-version",
	"FilesOptions.Force", "--force",
	"VerifyOptions.RequireImageSignatures", "--require-image-signatures",
	"CreateOptions.RequireImageSignatures", "--require-image-signatures",
)

// say is a library message as the command line shows it: in flags' words,
// escaped.
func say(msg string) string { return clean(optionFlags.Replace(msg)) }

// scope says what a report's verdict covers.
type scope int

const (
	// whole: the package, as verify, pull and mirror check it.
	whole scope = iota
	// insecurely: digests only, signatures skipped (--insecure).
	insecurely
	// attestationsOnly: signatures and attestations, content not read.
	attestationsOnly
)

// report prints a verification result as text or JSON and passes err on.
// Errors that are not verification failures are returned without a report.
//
// The error returned is marked as reported when the report described it
// (a verification failure, or any failure in JSON), so that it is not
// printed twice.
func report(cmd *cobra.Command, format formatFlag, sc scope, res *verify.Result, err error) error {
	_, failed := verify.AsFailure(err)
	if err != nil && !failed && format.value != "json" {
		return err
	}
	if res == nil {
		res = failureResult(cmd, err)
	}
	if err != nil {
		describe(cmd, res, err)
	}
	if format.value == "json" {
		if jerr := printJSON(cmd.OutOrStdout(), res); jerr != nil {
			return jerr
		}
	} else {
		printResult(cmd.OutOrStdout(), res, sc)
	}
	if err != nil {
		return &reportedError{err}
	}
	return nil
}

// printOutcome prints, as JSON, a verb's outcome holding its verification
// result: the failure, if any, recorded in that result, so the one
// document says it (the error is then not printed again).
func printOutcome(cmd *cobra.Command, outcome any, res *verify.Result, err error) error {
	if err != nil {
		describe(cmd, res, err)
	}
	if jerr := printJSON(cmd.OutOrStdout(), outcome); jerr != nil {
		return jerr
	}
	if err != nil {
		return &reportedError{err}
	}
	return nil
}

// describe records err in res when res does not already say why it
// failed (a failure after verification, such as writing targets).
func describe(cmd *cobra.Command, res *verify.Result, err error) {
	if res.Failure == nil {
		res.Verified, res.Failure = false, failureResult(cmd, err).Failure
	}
}

var marks = map[string]string{verify.StatusPassed: "ok", verify.StatusFailed: "FAILED", verify.StatusSkipped: "skipped"}

// printResult writes the human report. Its last line is the verdict:
// VERIFIED only when every check passed under a policy, saying what it
// covers when that is less than the whole package.
func printResult(w io.Writer, res *verify.Result, sc scope) {
	fmt.Fprintf(w, "Verifying %s\n", clean(res.Target))
	for _, c := range res.Checks {
		fmt.Fprintf(w, "  %-17s %-8s %s\n", c.Name, marks[c.Status], say(c.Detail))
	}
	for _, im := range res.Images {
		status, detail := "ok", "signed by "+im.Signer
		switch {
		case im.Note != "" && !im.Verified:
			status, detail = "skipped", im.Note
		case !im.Verified:
			status, detail = "FAILED", "not verified"
		case im.Note != "":
			detail += " (" + im.Note + ")"
		}
		fmt.Fprintf(w, "  %-17s %-8s %s %s: %s\n", "image", status, clean(im.Ref), clean(im.Digest), clean(detail))
	}
	switch {
	case res.Verified && sc == whole:
		fmt.Fprintf(w, "VERIFIED: %s %s (%s)\n", clean(res.Package.Name), clean(res.Package.Version), clean(res.Package.Digest))
	case res.Verified && sc == attestationsOnly:
		fmt.Fprintf(w, "VERIFIED SIGNATURES AND ATTESTATIONS (content not read): %s %s (%s)\n", clean(res.Package.Name), clean(res.Package.Version), clean(res.Package.Digest))
	case res.Failure != nil && !described(res):
		fmt.Fprintf(w, "NOT VERIFIED: %s: %s\n", res.Failure.Reason, say(res.Failure.Message))
	case res.Failure != nil:
		fmt.Fprintf(w, "NOT VERIFIED: %s\n", res.Failure.Reason)
	case sc == insecurely:
		fmt.Fprintf(w, "NOT VERIFIED (--insecure): %s %s (%s): digests checked, signatures not\n", clean(res.Package.Name), clean(res.Package.Version), clean(res.Package.Digest))
	}
}

// described says whether a failed check of the result already shows its
// failure's message.
func described(res *verify.Result) bool {
	for _, c := range res.Checks {
		if c.Status == verify.StatusFailed && strings.Contains(c.Detail, res.Failure.Message) {
			return true
		}
	}
	return false
}
