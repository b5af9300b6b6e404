// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// helpWidth is the widest a line of help may be.
const helpWidth = 100

// flagGroups are the headings flags are shown under, in order: the
// command's own flags first (those named in no group), then these.
var flagGroups = []struct {
	heading string
	flags   []string
}{
	{"Policy", []string{"policy", "predicate-type", "expect-name", "expect-version", "min-version", "insecure-ignore-tlog",
		"insecure-ignore-sct", "image-policy", "require-image-signatures", "record-key", "record-out", "record-verifier-id"}},
	{"Trust", []string{"trusted-root", "tuf-dir", "signing-config", "fulcio-url", "rekor-url", "rekor-api-version", "tsa-url"}},
	{"Registry", []string{"plain-http", "registry-ca-file", "insecure-skip-tls-verify", "offline", "timeout", "architecture", "concurrency"}},
	{"Cluster", []string{"kubeconfig", "context", "namespace"}},
	{"Keyless identity", []string{"identity-token", "certificate-identity", "certificate-identity-regexp", "certificate-oidc-issuer",
		"certificate-oidc-issuer-regexp"}},
	{"Certificate claims", nil}, // every other --certificate-* flag
}

// groupOf names the heading a flag is shown under ("" for the command's own).
func groupOf(name string) string {
	for _, g := range flagGroups {
		for _, f := range g.flags {
			if f == name {
				return g.heading
			}
		}
	}
	if strings.HasPrefix(name, "certificate-") {
		return "Certificate claims"
	}
	return ""
}

// groupedFlags renders a command's flags under their headings, wrapped to
// helpWidth.
func groupedFlags(cmd *cobra.Command) string {
	sets := map[string]*pflag.FlagSet{}
	add := func(f *pflag.Flag) {
		g := groupOf(f.Name)
		if sets[g] == nil {
			sets[g] = pflag.NewFlagSet(g, pflag.ContinueOnError)
			sets[g].SortFlags = true
		}
		sets[g].AddFlag(f)
	}
	cmd.LocalFlags().VisitAll(add)
	cmd.InheritedFlags().VisitAll(add)
	var b strings.Builder
	headings := []string{""}
	for _, g := range flagGroups {
		headings = append(headings, g.heading)
	}
	for _, h := range headings {
		fs := sets[h]
		if fs == nil || !fs.HasAvailableFlags() {
			continue
		}
		title := "Flags:"
		if h != "" {
			title = h + " flags:"
		}
		b.WriteString("\n" + title + "\n" + strings.TrimRight(fs.FlagUsagesWrapped(helpWidth), " \n") + "\n")
	}
	return b.String()
}

// usageTemplate is cobra's, with flags under their headings.
const usageTemplate = `Usage:{{if .Runnable}}
  {{.UseLine}}{{end}}{{if .HasAvailableSubCommands}}
  {{.CommandPath}} [command]{{end}}{{if gt (len .Aliases) 0}}

Aliases:
  {{.NameAndAliases}}{{end}}{{if .HasExample}}

Examples:
{{.Example}}{{end}}{{if .HasAvailableSubCommands}}

Available Commands:{{range .Commands}}{{if (or .IsAvailableCommand (eq .Name "help"))}}
  {{rpad .Name .NamePadding }} {{.Short}}{{end}}{{end}}{{end}}{{if .HasAvailableFlags}}
{{groupedFlags .}}{{end}}{{if .HasHelpSubCommands}}
Additional help topics:{{range .Commands}}{{if .IsAdditionalHelpTopicCommand}}
  {{rpad .CommandPath .CommandPathPadding}} {{.Short}}{{end}}{{end}}
{{end}}{{if .HasAvailableSubCommands}}
Use "{{.CommandPath}} [command] --help" for more information about a command.
{{end}}`

func init() { cobra.AddTemplateFunc("groupedFlags", groupedFlags) }

// completeFlags gives shells what each flag's value may be: the choices of
// --format and the like, files (by extension) for file flags.
func completeFlags(cmd *cobra.Command) {
	for _, c := range cmd.Commands() {
		completeFlags(c)
	}
	choices := map[string][]string{"format": {"text", "json"}, "sbom-format": {"spdx", "cyclonedx"}, "rekor-api-version": {"1", "2"}}
	files := map[string][]string{"key": {"pub", "key", "pem"}, "policy": {"yaml", "yml"}, "image-policy": {"yaml", "yml"},
		"trusted-root": {"json"}, "predicate": {"json"}, "signing-config": {"json"}, "identity-token": nil, "record-key": {"key", "pem"},
		"importer-key": {"pub", "pem"}, "registry-ca-file": {"pem", "crt"}, "tls-cert": {"pem", "crt"}, "tls-key": {"pem", "key"},
		"output": nil, "record-out": {"json"}, "tuf-root": {"json"}}
	cmd.LocalNonPersistentFlags().VisitAll(func(f *pflag.Flag) {
		if values, ok := choices[f.Name]; ok {
			cmd.RegisterFlagCompletionFunc(f.Name, cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp))
		}
		if exts, ok := files[f.Name]; ok {
			cmd.MarkFlagFilename(f.Name, exts...)
		}
	})
}
