package main

import (
	"bytes"
	"context"
	"flag"
	"os"
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
