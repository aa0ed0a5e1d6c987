package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spf13/cobra"
)

// walk calls fn for cmd and every command below it.
func walk(cmd *cobra.Command, fn func(*cobra.Command)) {
	fn(cmd)
	for _, c := range cmd.Commands() {
		walk(c, fn)
	}
}

// builtin reports whether cobra, not tkeops, defines the command: help and the
// completion tree carry cobra's own help text.
func builtin(c *cobra.Command) bool {
	for p := c; p != nil; p = p.Parent() {
		if p.Name() == "help" || p.Name() == "completion" {
			return p.Parent() != nil && p.Parent().Parent() == nil
		}
	}
	return false
}

// TestEveryCommandHasExamples walks the whole command tree, hidden commands
// included, and fails for each command that has no Example text: `tkeops
// <command> --help` must always show how the command is used.
func TestEveryCommandHasExamples(t *testing.T) {
	root := newRootCmd(IOStreams{In: strings.NewReader(""), Out: &bytes.Buffer{}, ErrOut: &bytes.Buffer{}})
	root.InitDefaultCompletionCmd()
	var missing []string
	walk(root, func(c *cobra.Command) {
		if c == root || builtin(c) {
			return
		}
		if strings.TrimSpace(c.Example) == "" {
			missing = append(missing, c.CommandPath())
		}
	})
	for _, m := range missing {
		t.Errorf("%s has no Example text (cobra.Command.Example); `%s --help` shows no example", m, m)
	}
}

// TestHelpShowsExamples: the Example text really reaches --help output.
func TestHelpShowsExamples(t *testing.T) {
	var out bytes.Buffer
	root := newRootCmd(IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &out})
	root.SetArgs([]string{"version", "--help"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Examples:") || !strings.Contains(out.String(), "tkeops version -o json") {
		t.Errorf("version --help lacks its examples:\n%s", out.String())
	}
}

// TestCompletionIsEnabled: cobra's completion command is on (not disabled in
// the root's CompletionOptions) and writes a script for each shell that the
// docs tell people to load.
func TestCompletionIsEnabled(t *testing.T) {
	for _, shell := range []string{"bash", "zsh", "fish", "powershell"} {
		var out, errOut bytes.Buffer
		root := newRootCmd(IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &errOut})
		root.SetArgs([]string{"completion", shell})
		if err := root.Execute(); err != nil {
			t.Fatalf("completion %s: %v (%s)", shell, err, errOut.String())
		}
		if !strings.Contains(out.String(), "tkeops") || out.Len() < 500 {
			t.Errorf("completion %s wrote %d bytes without naming tkeops", shell, out.Len())
		}
	}
}

// TestCompletionCompletesCommands asks cobra's hidden __complete command what
// follows "tkeops pl", as a shell would.
func TestCompletionCompletesCommands(t *testing.T) {
	var out bytes.Buffer
	root := newRootCmd(IOStreams{In: strings.NewReader(""), Out: &out, ErrOut: &bytes.Buffer{}})
	root.SetArgs([]string{cobra.ShellCompRequestCmd, "pl"})
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "plan") {
		t.Errorf("completing %q did not offer plan:\n%s", "pl", out.String())
	}
}
