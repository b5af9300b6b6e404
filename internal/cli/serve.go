// SPDX-License-Identifier: Apache-2.0
// Copyright 2026 The airlock Authors.

package cli

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"syscall"

	"github.com/spf13/cobra"

	"github.com/airlock-dev/airlock"
	"github.com/airlock-dev/airlock/verify"
)

type serveCmd struct {
	addr, cert, key string
	verify          verifyFlags
	images          imageFlags
	format          formatFlag
}

func newServe() *cobra.Command {
	s := &serveCmd{}
	cmd := &cobra.Command{
		Use:   "serve TARGET --addr HOST:PORT --key FILE",
		Short: "Verify a package, then serve it read-only as an OCI registry, from the archive",
		Long: "Verify a package, then serve it read-only as an OCI registry (Distribution Specification v1.1):\n" +
			"each image at its path (HOST/PATH:TAG as HOST:PORT/PATH:TAG) with its verified signatures and\n" +
			"attestations (referrers API and cosign's legacy tags), the package itself as NAME:VERSION, and\n" +
			"its charts as OCI Helm charts at charts/NAME:VERSION. Nothing is extracted or copied; every blob\n" +
			"is hashed as it streams, and bytes that no longer match are never sent as a complete response.\n" +
			"Writes are refused (405). A verification failure exits 3 before anything listens. SIGTERM stops\n" +
			"it cleanly (exit 0). One log line per request goes to stderr.",
		Example: "  airlock serve app.tar --addr 127.0.0.1:5000 --key team.pub --insecure-ignore-tlog\n" +
			"  airlock serve app.tar --addr 0.0.0.0:5443 --key team.pub --tls-cert srv.crt --tls-key srv.key\n" +
			"  crane pull --insecure 127.0.0.1:5000/team/app:1.0 app.tar\n" +
			"  helm pull oci://127.0.0.1:5000/charts/hello --plain-http",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return s.run(cmd, args[0]) },
	}
	cmd.Flags().StringVar(&s.addr, "addr", "127.0.0.1:5000", "where to listen, HOST:PORT (port 0 picks one)")
	cmd.Flags().StringVar(&s.cert, "tls-cert", "", "PEM certificate to serve HTTPS with (with --tls-key)")
	cmd.Flags().StringVar(&s.key, "tls-key", "", "PEM private key of --tls-cert")
	s.verify.register(cmd)
	s.images.register(cmd)
	s.format.register(cmd)
	return cmd
}

func (s *serveCmd) run(cmd *cobra.Command, target string) error {
	if err := s.format.check(); err != nil {
		return err
	}
	if (s.cert == "") != (s.key == "") {
		return fmt.Errorf("%w: serve: --tls-cert and --tls-key go together", errUsage)
	}
	verifyOpts, err := s.verify.options(cmd, insecureFlag{})
	if err != nil {
		return err
	}
	if err := s.images.apply(&verifyOpts); err != nil {
		return err
	}
	scheme := "http"
	if s.cert != "" {
		scheme = "https"
	}
	opts := airlock.ServeOptions{VerifyOptions: verifyOpts, Addr: s.addr, TLSCert: s.cert, TLSKey: s.key,
		Logger: slog.New(slog.NewTextHandler(cleanWriter{cmd.ErrOrStderr()}, nil))}
	opts.Ready = func(addr net.Addr, pkg verify.PackageInfo) {
		fmt.Fprintf(cmd.OutOrStdout(), "Serving %s %s (%s) at %s://%s (read-only; SIGTERM stops it)\n",
			clean(pkg.Name), clean(pkg.Version), clean(pkg.Digest), scheme, addr)
	}
	res, err := airlock.Serve(cmd.Context(), target, opts)
	if err != nil {
		return report(cmd, s.format, whole, res, err)
	}
	return stopped(cmd.Context())
}

// stopped says how a server that was stopped ends: cleanly for SIGTERM
// (a service manager stopping it), interrupted for SIGINT.
func stopped(ctx context.Context) error {
	var sig Interrupted
	if errors.As(context.Cause(ctx), &sig) && sig.Signal == syscall.SIGTERM {
		return nil
	}
	return context.Cause(ctx)
}

// Interrupted is the cause a command's context is cancelled with when a
// signal stops the command line.
type Interrupted struct{ Signal os.Signal }

func (i Interrupted) Error() string { return "interrupted by " + i.Signal.String() }

// cleanWriter escapes control characters in what it writes, line by line
// (log lines carry paths that clients chose).
type cleanWriter struct {
	w interface{ Write([]byte) (int, error) }
}

func (c cleanWriter) Write(p []byte) (int, error) {
	s := string(p)
	nl := len(s) > 0 && s[len(s)-1] == '\n'
	if nl {
		s = s[:len(s)-1]
	}
	out := clean(s)
	if nl {
		out += "\n"
	}
	if _, err := c.w.Write([]byte(out)); err != nil {
		return 0, err
	}
	return len(p), nil
}
