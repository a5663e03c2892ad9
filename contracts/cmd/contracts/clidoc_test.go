package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// updateDocs rewrites contracts/docs/cli.md's generated part.
var updateDocs = flag.Bool("update-docs", false, "rewrite the generated part of contracts/docs/cli.md")

// cliDoc is the CLI reference; the part after generatedMark is each
// command's -h output, made by TestCLIReference.
const (
	cliDoc        = "../../docs/cli.md"
	generatedMark = "<!-- Everything below is generated from the flag sets by TestCLIReference (go test ./contracts/cmd/contracts -run TestCLIReference -update-docs); do not edit it. -->\n"
)

// TestCLIReference: contracts/docs/cli.md holds, for every command, exactly
// what its -h prints: the reference cannot drift from the flag sets.
func TestCLIReference(t *testing.T) {
	var b strings.Builder
	b.WriteString(generatedMark)
	var usage bytes.Buffer
	run(context.Background(), []string{"-h"}, &usage, &usage)
	b.WriteString("\n## contracts -h\n\n```text\n" + usage.String() + "```\n")
	names := make([]string, 0, len(commands))
	for name := range commands {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		var out bytes.Buffer
		if code := run(context.Background(), []string{name, "-h"}, &out, &out); code != exitOK {
			t.Errorf("%s -h: exit %d", name, code)
		}
		help := strings.ReplaceAll(out.String(), defaultCacheDir(), "~/.cache/market-data-contracts")
		b.WriteString("\n## contracts " + name + "\n\n```text\n" + help + "```\n")
	}
	data, err := os.ReadFile(cliDoc)
	if err != nil {
		t.Fatal(err)
	}
	head, _, found := strings.Cut(string(data), generatedMark)
	want := head + b.String()
	if *updateDocs {
		if err := os.WriteFile(cliDoc, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	if !found || string(data) != want {
		t.Errorf("%s is not what the flag sets say: run go test ./contracts/cmd/contracts -run TestCLIReference -update-docs", cliDoc)
	}
}

// cliLine is a documented host CLI command: `contracts <cmd> ...` or
// `go run ./contracts/cmd/contracts <cmd> ...` in a code block.
var cliLine = regexp.MustCompile(`(?m)^\s*(?:\$ )?(?:\./)?(?:contracts|go run \./contracts/cmd/contracts) ([a-z-]+)(.*)$`)

// TestDocumentedCLICommands: every host CLI command in the README and the
// docs pages names a real command and only flags that command takes.
func TestDocumentedCLICommands(t *testing.T) {
	docs, _ := filepath.Glob("../../docs/*.md")
	docs = append(docs, "../../../README.md", "../../examples/README.md")
	flagsOf := map[string][]string{}
	checked := 0
	for _, doc := range docs {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, block := range codeBlocks(string(data)) {
			for _, m := range cliLine.FindAllStringSubmatch(block, -1) {
				cmd, rest := m[1], m[2]
				if cmd == "--version" {
					cmd = "version" // the one command spelled as a flag too (see run)
				}
				if _, ok := commands[cmd]; !ok {
					t.Errorf("%s: %q: no command %s", doc, strings.TrimSpace(m[0]), cmd)
					continue
				}
				if _, ok := flagsOf[cmd]; !ok {
					var out bytes.Buffer
					run(context.Background(), []string{cmd, "-h"}, &out, &out)
					flagsOf[cmd] = helpFlags(out.String())
				}
				for _, f := range docFlag.FindAllStringSubmatch(rest, -1) {
					if !slices.Contains(flagsOf[cmd], f[1]) {
						t.Errorf("%s: %q: %s takes no --%s", doc, strings.TrimSpace(m[0]), cmd, f[1])
					}
				}
				checked++
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d documented commands found: is the pattern still right?", checked)
	}
}

// docFlag is a flag in a documented command line (before a comment).
var docFlag = regexp.MustCompile(`(?:^|\s)--([a-z][a-z-]*)`)

// codeBlocks are the fenced code blocks of a Markdown document, comments
// (after " #") cut from each line.
func codeBlocks(md string) []string {
	var out []string
	parts := strings.Split(md, "```")
	for i := 1; i < len(parts); i += 2 {
		var lines []string
		for _, l := range strings.Split(parts[i], "\n") {
			if j := strings.Index(l, " #"); j >= 0 {
				l = l[:j]
			}
			lines = append(lines, l)
		}
		out = append(out, strings.Join(lines, "\n"))
	}
	return out
}
