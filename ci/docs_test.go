package main

// TestDocumentedCommands checks every `dagger call` line of the docs and
// the workflow against the module's API as Dagger's CLI shows it: the
// functions, fields and arguments are read from the Go source with
// go/parser (the module's hand-written files and the generated client for
// core types such as Directory and File), and kebab-cased as the CLI does.

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode"
)

// documents are the files whose `dagger call` lines must be valid: every
// page a user reads and every workflow.
func documents(t *testing.T) []string {
	t.Helper()
	docs := []string{"../README.md", "README.md", "../contracts/examples/README.md", "../contracts/report/SUMMARY_SCHEMA.md"}
	for _, pattern := range []string{"../contracts/docs/*.md", "../.github/workflows/*.yml"} {
		matches, err := filepath.Glob(pattern)
		if err != nil || len(matches) == 0 {
			t.Fatalf("%s: %v (no files)", pattern, err)
		}
		docs = append(docs, matches...)
	}
	return docs
}

// mustCall are the documents that must hold at least one `dagger call`.
var mustCall = map[string]bool{"../README.md": true, "../contracts/docs/module.md": true, "../contracts/docs/ci.md": true, "../.github/workflows/contracts.yml": true}

// apiFunc is a callable of an object: a method or an exported field.
type apiFunc struct {
	args    map[string]string // kebab-case name -> Go type
	returns string            // the object type chained next, or "" for a leaf
}

// api maps object type -> kebab-case function name -> function.
type api map[string]map[string]apiFunc

// kebab turns a Go or GraphQL name into the CLI's: pipIndexURL ->
// pip-index-url, GithubSummary -> github-summary, HTTPAuthToken ->
// http-auth-token.
func kebab(name string) string {
	r := []rune(name)
	var b strings.Builder
	for i, c := range r {
		if i > 0 && unicode.IsUpper(c) {
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('-')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}

func TestKebab(t *testing.T) {
	for in, want := range map[string]string{
		"pipIndexURL": "pip-index-url", "GithubSummary": "github-summary", "DemoRun": "demo-run",
		"HTTPAuthToken": "http-auth-token", "ExitCode": "exit-code", "dir": "dir", "FromReports": "from-reports",
		"AllowParentDirPath": "allow-parent-dir-path", "coreRef": "core-ref",
	} {
		if got := kebab(in); got != want {
			t.Errorf("kebab(%q) = %q, want %q", in, got, want)
		}
	}
}

// typeName names a Go type expression for the API: *Run -> Run,
// *dagger.Directory -> Directory, string -> string.
func typeName(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return typeName(x.X)
	case *ast.SelectorExpr:
		return x.Sel.Name
	case *ast.Ident:
		return x.Name
	case *ast.ArrayType:
		return "[]" + typeName(x.Elt)
	case *ast.Ellipsis:
		return "..." + typeName(x.Elt)
	}
	return fmt.Sprintf("%T", e)
}

// objectType is the type a result chains into, or "" for a scalar/error.
func objectType(results *ast.FieldList) string {
	if results == nil || len(results.List) == 0 {
		return ""
	}
	name := typeName(results.List[0].Type)
	switch name {
	case "string", "int", "bool", "error", "float64", "[]string":
		return ""
	}
	return name
}

// readAPI parses the files and collects the exported methods of every
// type (with their arguments, *Opts structs expanded) and the exported
// fields of structs not marked +private.
func readAPI(t *testing.T, files ...string) (api, *ast.FuncDecl) {
	t.Helper()
	fset := token.NewFileSet()
	out := api{}
	structs := map[string]*ast.StructType{}
	var methods []*ast.FuncDecl
	var constructor *ast.FuncDecl
	for _, name := range files {
		f, err := parser.ParseFile(fset, name, nil, parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			switch d := d.(type) {
			case *ast.FuncDecl:
				switch {
				case d.Recv != nil && d.Name.IsExported():
					methods = append(methods, d)
				case d.Recv == nil && d.Name.Name == "New":
					constructor = d
				}
			case *ast.GenDecl:
				for _, s := range d.Specs {
					if ts, ok := s.(*ast.TypeSpec); ok {
						if st, ok := ts.Type.(*ast.StructType); ok {
							structs[ts.Name.Name] = st
						}
					}
				}
			}
		}
	}
	add := func(typ, name string, fn apiFunc) {
		if out[typ] == nil {
			out[typ] = map[string]apiFunc{}
		}
		out[typ][kebab(name)] = fn
	}
	for _, m := range methods {
		add(typeName(m.Recv.List[0].Type), m.Name.Name, apiFunc{args: params(m.Type.Params, structs), returns: objectType(m.Type.Results)})
	}
	for _, typ := range []string{"MarketDataContracts", "Run"} {
		for _, f := range structs[typ].Fields.List {
			if f.Doc != nil && strings.Contains(f.Doc.Text(), "+private") {
				continue
			}
			for _, n := range f.Names {
				if n.IsExported() {
					add(typ, n.Name, apiFunc{returns: objectType(&ast.FieldList{List: []*ast.Field{f}})})
				}
			}
		}
	}
	return out, constructor
}

// params are a function's arguments by kebab-case name, without its
// context and with an ...XOpts struct's fields as optional arguments.
func params(list *ast.FieldList, structs map[string]*ast.StructType) map[string]string {
	out := map[string]string{}
	for _, p := range list.List {
		typ := typeName(p.Type)
		if typ == "Context" {
			continue
		}
		if opts, ok := strings.CutPrefix(typ, "..."); ok {
			if st := structs[opts]; st != nil {
				for _, f := range st.Fields.List {
					for _, n := range f.Names {
						out[kebab(n.Name)] = typeName(f.Type)
					}
				}
			}
			continue
		}
		for _, n := range p.Names {
			out[kebab(n.Name)] = typeName(p.Type)
		}
	}
	return out
}

// moduleAPI is the module's API plus the core types its results chain to.
func moduleAPI(t *testing.T) (api, map[string]string) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	var own []string
	for _, f := range files {
		if !strings.HasSuffix(f, "_test.go") && f != "dagger.gen.go" {
			own = append(own, f)
		}
	}
	a, ctor := readAPI(t, append(own, filepath.Join("internal", "dagger", "dagger.gen.go"))...)
	if ctor == nil {
		t.Fatal("no constructor New in the module's files")
	}
	return a, params(ctor.Type.Params, nil)
}

// inlineCode matches a Markdown code span.
var inlineCode = regexp.MustCompile("`[^`\n]+`")

// commandBlocks are the fenced-block languages that hold commands.
var commandBlocks = map[string]bool{"sh": true, "bash": true, "shell": true, "console": true, "yaml": true, "yml": true, "groovy": true}

// codeOf returns the code of a document, one snippet per line: for
// Markdown, the fenced blocks of a command language and the inline code
// spans (prose, or a file tree, that merely names `dagger call` is not a
// command); other files whole.
func codeOf(name, text string) string {
	if !strings.HasSuffix(name, ".md") {
		return text
	}
	var b strings.Builder
	fenced, commands := false, false
	for _, line := range strings.Split(text, "\n") {
		switch fence, isFence := strings.CutPrefix(strings.TrimSpace(line), "```"); {
		case isFence:
			fenced = !fenced
			commands = fenced && commandBlocks[strings.TrimSpace(fence)]
		case fenced:
			if commands {
				b.WriteString(line + "\n")
			}
		default:
			for _, span := range inlineCode.FindAllString(line, -1) {
				b.WriteString(span + "\n")
			}
		}
	}
	return b.String()
}

// commandLines returns every `dagger call ...` command in code, one per
// occurrence: continuation lines joined, cut at the end of the inline
// code, quoted string or shell command it sits in.
func commandLines(text string) []string {
	text = strings.ReplaceAll(text, "\\\n", " ")
	var out []string
	for _, line := range strings.Split(text, "\n") {
		for {
			i := strings.Index(line, "dagger call")
			if i < 0 {
				break
			}
			line = line[i:]
			out = append(out, line)
			line = line[len("dagger call"):]
		}
	}
	return out
}

// words splits a command into shell words (double quotes kept whole), up
// to the end of the command: a backtick, a single quote that closes the
// enclosing string, a comment, or a shell operator.
func words(cmd string) []string {
	var out []string
	var cur strings.Builder
	quoted, has := false, false
	flush := func() {
		if has {
			out = append(out, cur.String())
		}
		cur.Reset()
		has = false
	}
	for _, c := range cmd {
		switch {
		case c == '"':
			quoted = !quoted
			cur.WriteRune(c)
			has = true
		case quoted:
			cur.WriteRune(c)
		case c == '`' || c == '\'' || c == ';' || c == '|' || c == '&' || c == ')':
			flush()
			return out
		case c == '#' && !has:
			return out
		case unicode.IsSpace(c):
			flush()
		default:
			cur.WriteRune(c)
			has = true
		}
	}
	flush()
	return out
}

// globalFlags are dagger's own flags that take a value.
var globalFlags = map[string]bool{"-m": true, "--mod": true}

// checkCommand walks a `dagger call` command through the API: constructor
// flags, then a function of MarketDataContracts, its flags, then functions
// or fields of what it returns. "..." ends the check (elided).
func checkCommand(a api, ctor map[string]string, cmd string) error {
	ws := words(cmd)[2:] // after "dagger call"
	i := 0
	flag := func(args map[string]string, where string) error {
		name, _, hasValue := strings.Cut(strings.TrimLeft(ws[i], "-"), "=")
		typ, ok := args[name]
		if !ok {
			return fmt.Errorf("%s has no argument --%s", where, name)
		}
		if !hasValue && typ != "bool" {
			i++ // --flag value
		}
		i++
		return nil
	}
	for i < len(ws) && strings.HasPrefix(ws[i], "-") {
		if globalFlags[ws[i]] {
			i += 2
			continue
		}
		if err := flag(ctor, "the constructor"); err != nil {
			return err
		}
	}
	typ := "MarketDataContracts"
	for i < len(ws) && ws[i] != "..." {
		if typ == "" {
			return fmt.Errorf("%q chained after a value", ws[i])
		}
		fn, ok := a[typ][ws[i]]
		if !ok {
			return fmt.Errorf("%s has no function or field %q", typ, ws[i])
		}
		where := typ + "." + ws[i]
		i++
		for i < len(ws) && strings.HasPrefix(ws[i], "-") {
			if err := flag(fn.args, where); err != nil {
				return err
			}
		}
		typ = fn.returns
	}
	return nil
}

var placeholderOnly = regexp.MustCompile(`^dagger call\s*(\.\.\.)?$`)

func TestDocumentedCommands(t *testing.T) {
	a, ctor := moduleAPI(t)
	if len(a["MarketDataContracts"]) < 6 || len(a["Run"]) < 6 || a["Directory"]["export"].args["path"] == "" {
		t.Fatalf("the API read from the source looks incomplete: %v", a)
	}
	total := 0
	for _, doc := range documents(t) {
		data, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, cmd := range commandLines(codeOf(doc, string(data))) {
			if placeholderOnly.MatchString(strings.Join(words(cmd), " ")) {
				continue
			}
			n++
			if err := checkCommand(a, ctor, cmd); err != nil {
				t.Errorf("%s: %q: %v", doc, strings.Join(words(cmd), " "), err)
			}
		}
		if n == 0 && mustCall[doc] {
			t.Errorf("%s: no `dagger call` command found", doc)
		}
		total += n
	}
	t.Logf("%d documented commands checked", total)
}

// TestCheckCommandRefuses: the checker finds what a stale doc would hold.
func TestCheckCommandRefuses(t *testing.T) {
	a, ctor := moduleAPI(t)
	for _, cmd := range []string{
		"dagger call contract --core-ref=v1",                         // no such function
		"dagger call contracts --core=v1",                            // no such argument
		"dagger call --pip-index=https://x contracts",                // no such constructor argument
		"dagger call run --core-ref=v1 github-summary export --to=x", // no such argument of File.export
		"dagger call run summary reports",                            // chained after a string
		"dagger call from-reports --directory=x check",               // FromReports takes --dir
		"dagger call run token",                                      // +private field
	} {
		if err := checkCommand(a, ctor, cmd); err == nil {
			t.Errorf("%q accepted", cmd)
		}
	}
	for _, cmd := range []string{
		`dagger call --token=env:T --pip-args=--pre run --core-ref="$CORE_REF" reports export --path=out --wipe`,
		"dagger call -m github.com/mjdevaccount/market-data-contracts contracts --core-ref v1 ...",
		"dagger call demo-run exit-code",
		"dagger call from-reports --dir=r github-output export --path=o --allow-parent-dir-path",
	} {
		if err := checkCommand(a, ctor, cmd); err != nil {
			t.Errorf("%q: %v", cmd, err)
		}
	}
}
