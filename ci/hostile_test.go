package main

// Hostile input: values shaped like shell injections, git options, path
// traversals, remote-helper addresses and URLs with credentials, fed to
// every entry point of the module. A value that is not a legal ref, name
// or repo must be refused with an error naming it before the module asks
// the engine for any work (no container, no git, no exec); a value that is
// legal (`id` is a valid git ref name) must reach the engine only as a
// GraphQL string argument (git.ref's name, container.from's address, one
// element of an exec's argv), never as text a shell would read.

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"dagger/market-data-contracts/enginetest"
	"dagger/market-data-contracts/internal/dagger"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
)

// password is the secret of every URL with credentials below.
const password = "hunter2pw"

// credURL is a GitHub URL carrying credentials.
const credURL = "https://u:" + password + "@github.com/o/r"

// hostileRefs are illegal as refs (refs.Validate): an option, whitespace,
// '..', ':' or '//'.
var hostileRefs = []string{
	"--upload-pack=touch /tmp/x",
	"$(touch /tmp/x)",
	";touch /tmp/x",
	"../../etc",
	"a..b",
	"-x",
	"ext::sh -c x",
	credURL,
}

// noWork fails t if the engine was asked for anything but reading the
// matrix file: no container, git, exec or directory was requested, and no
// query carries the password. The root file(name:, contents:) call is the
// test's own stand-in for the caller's --matrix file (an engine would get
// its ID), so the password it holds is not counted.
func noWork(t *testing.T, e *enginetest.Engine) {
	t.Helper()
	for _, q := range e.Queries() {
		if q.Chain[0].Name != "file" || len(q.Chain.Index("withExec")) > 0 {
			t.Errorf("work started for a refused request: %s", q.Chain)
			continue
		}
		if rest := q.Chain[1:].String(); strings.Contains(rest, password) {
			t.Errorf("query carries the password: %s", rest)
		}
	}
}

// refused checks that err refuses the value by quoting shown (the value
// itself, or its redacted form) and never repeats the password unless
// the caller passed it as the value itself.
func refused(t *testing.T, err error, shown string) {
	t.Helper()
	if err == nil {
		t.Fatalf("accepted")
	}
	if !strings.Contains(err.Error(), fmt.Sprintf("%q", shown)) {
		t.Errorf("error does not name %q: %v", shown, err)
	}
	if !strings.Contains(shown, password) && strings.Contains(err.Error(), password) {
		t.Errorf("error repeats the password: %v", err)
	}
}

// runEntries calls Run and Contracts with the same arguments.
var runEntries = map[string]func(m *MarketDataContracts, coreRef, baselineRef string, matrix string, only []string, failOn string) error{
	"Run": func(m *MarketDataContracts, coreRef, baselineRef, mx string, only []string, failOn string) error {
		_, err := m.Run(context.Background(), coreRef, baselineRef, nil, matrixFile(mx), only, failOn, "", nil)
		return err
	},
	"Contracts": func(m *MarketDataContracts, coreRef, baselineRef, mx string, only []string, failOn string) error {
		_, err := m.Contracts(context.Background(), coreRef, baselineRef, nil, matrixFile(mx), only, failOn, "", nil)
		return err
	},
}

func matrixFile(yaml string) *dagger.File {
	if yaml == "" {
		return nil
	}
	return dag.File("m.yaml", yaml)
}

func TestHostileRunArguments(t *testing.T) {
	type call struct {
		coreRef, baselineRef string
		only                 []string
		failOn               string
	}
	cases := map[string]func(v string) call{
		"core-ref":         func(v string) call { return call{coreRef: v} },
		"core-ref in list": func(v string) call { return call{coreRef: "v1.2.0, " + v + ",main"} },
		"baseline-ref":     func(v string) call { return call{coreRef: "v2.0.0", baselineRef: v} },
		"only":             func(v string) call { return call{only: []string{"pipeline", v}} },
		"only in list":     func(v string) call { return call{only: []string{"pipeline," + v}} },
		"fail-on":          func(v string) call { return call{failOn: v} },
	}
	for entry, fn := range runEntries {
		for arg, mk := range cases {
			for _, v := range hostileRefs {
				t.Run(entry+"/"+arg+"/"+v, func(t *testing.T) {
					e := verdictWorld(t, never)
					c := mk(v)
					err := fn(newModule(t), c.coreRef, c.baselineRef, testMatrix, c.only, c.failOn)
					shown := v
					if strings.Contains(arg, "ref") {
						shown = refs.Redact(v) // refs.Validate never repeats credentials
					}
					refused(t, err, shown)
					noWork(t, e)
				})
			}
		}
	}
}

// hostileMatrices are testMatrix with one field replaced by a hostile
// value, and what the error must quote.
var hostileMatrices = []struct {
	name, old, new, shown string
}{
	{"downstream name", "name: pipeline", `name: "../../etc"`, "../../etc"},
	{"downstream name option", "name: pipeline", `name: "-x"`, "-x"},
	{"downstream ref", "ref: v3", `ref: "$(touch /tmp/x)"`, "$(touch /tmp/x)"},
	{"downstream ref option", "ref: v3", `ref: "--upload-pack=touch /tmp/x"`, "--upload-pack=touch /tmp/x"},
	{"downstream repo ext", `"https://git.example/pipeline.git"`, `"ext::sh -c touch% /tmp/x"`, "ext::sh -c touch% /tmp/x"},
	{"downstream repo option", `"https://git.example/pipeline.git"`, `"--upload-pack=touch /tmp/x"`, "--upload-pack=touch /tmp/x"},
	{"downstream repo credentials", `"https://git.example/pipeline.git"`, `"` + credURL + `"`, "https://REDACTED@github.com/o/r"},
	{"core repo credentials", `"` + coreURL + `"`, `"` + credURL + `"`, "https://REDACTED@github.com/o/r"},
	{"core repo ext", `"` + coreURL + `"`, `"ext::sh -c touch% /tmp/x"`, "ext::sh -c touch% /tmp/x"},
	{"core ref", "ref: main}", `ref: "a..b"}`, "a..b"},
}

func TestHostileMatrix(t *testing.T) {
	for entry, fn := range runEntries {
		for _, tc := range hostileMatrices {
			t.Run(entry+"/"+tc.name, func(t *testing.T) {
				mx := strings.Replace(testMatrix, tc.old, tc.new, 1)
				if mx == testMatrix {
					t.Fatalf("%q is not in the test matrix", tc.old)
				}
				e := verdictWorld(t, never)
				refused(t, fn(newModule(t), "v1.2.0", "", mx, nil, ""), tc.shown)
				noWork(t, e)
			})
		}
	}
}

func TestHostileDemoArguments(t *testing.T) {
	// The demo accepts only the example Core's refs, so legal but odd
	// refs (`id`) are refused too.
	values := append([]string{"`id`", "$(id)"}, hostileRefs...)
	entries := map[string]func(m *MarketDataContracts, coreRef, baselineRef string, only []string) error{
		"DemoRun": func(m *MarketDataContracts, coreRef, baselineRef string, only []string) error {
			_, err := m.DemoRun(context.Background(), coreRef, baselineRef, only, "", nil)
			return err
		},
		"Demo": func(m *MarketDataContracts, coreRef, baselineRef string, only []string) error {
			_, err := m.Demo(context.Background(), coreRef, baselineRef, only, "", nil)
			return err
		},
	}
	for entry, fn := range entries {
		for _, v := range values {
			calls := map[string]func(m *MarketDataContracts) error{
				"core-ref":         func(m *MarketDataContracts) error { return fn(m, v, "", nil) },
				"core-ref in list": func(m *MarketDataContracts) error { return fn(m, "v1.2.0,"+v, "", nil) },
				"baseline-ref":     func(m *MarketDataContracts) error { return fn(m, "v2.0.0", v, nil) },
				"only":             func(m *MarketDataContracts) error { return fn(m, "v2.0.0", "", []string{"store", v}) },
			}
			for arg, call := range calls {
				t.Run(entry+"/"+arg+"/"+v, func(t *testing.T) {
					e := verdictWorld(t, never)
					refused(t, call(newModule(t)), v)
					noWork(t, e)
				})
			}
		}
	}
}

func TestHostileConstructor(t *testing.T) {
	e := verdictWorld(t, never)
	cases := []struct {
		name     string
		indexURL string
		pipArgs  []string
		shown    string
	}{
		{"index URL credentials", credURL, nil, ""},
		{"index URL ext", "ext::sh -c x", nil, "ext::sh -c x"},
		{"index URL option", "--upload-pack=touch /tmp/x", nil, "--upload-pack=touch /tmp/x"},
		{"index URL file", "file:///etc/passwd", nil, "file:///etc/passwd"},
		{"pip arg credentials", "", []string{"--extra-index-url=" + credURL}, "--extra-index-url=https://REDACTED@github.com/o/r"},
		{"pip arg credentials split", "", []string{"--extra-index-url", credURL}, "https://REDACTED@github.com/o/r"},
		{"pip arg newline", "", []string{"--pre\n--index-url=http://evil"}, "--pre\n--index-url=http://evil"},
		{"pip arg empty", "", []string{""}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := New("", tc.indexURL, tc.pipArgs, nil, 1)
			if err == nil {
				t.Fatal("accepted")
			}
			if strings.Contains(err.Error(), password) {
				t.Errorf("error repeats the password: %v", err)
			}
			if tc.shown != "" {
				refused(t, err, tc.shown)
			}
		})
	}
	// New validates without the engine.
	if q := e.Queries(); len(q) != 0 {
		t.Errorf("New sent %d queries, first %s", len(q), q[0].Chain)
	}
}

// TestHostileValuesStayArguments runs a whole campaign with values that
// are legal but look like shell: refs `id` and $(id) (legal git ref
// names), a pip argument $(touch /tmp/x), and an image starting with '-'
// (New does not validate the image: it goes only to container.from as its
// address, a GraphQL string the engine parses as an image reference).
// None of them may be read by a shell: each reaches the engine verbatim as
// one argument, and every exec runs timeout(1) directly, with no shell.
func TestHostileValuesStayArguments(t *testing.T) {
	const (
		image   = "--entrypoint=sh;touch /tmp/x"
		pipArg  = "$(touch /tmp/x)"
		coreRef = "`id`"
		downRef = "$(id)"
	)
	m, err := New(image, "", []string{pipArg}, nil, 2)
	if err != nil {
		t.Fatalf("New refused a shell-looking image or pip argument: %v", err)
	}
	e := verdictWorld(t, never)
	mx := strings.Replace(testMatrix, "ref: v3", `ref: "`+downRef+`"`, 1)
	if _, err := m.Run(context.Background(), coreRef, "", nil, dag.File("m.yaml", mx), []string{"pipeline", "orchestrator"}, "", "", nil); err != nil {
		t.Fatal(err)
	}
	var asked []string
	for _, c := range e.Leaves("commit") {
		if c.Has("git", "ref", "commit") {
			asked = append(asked, c[1].Str("name"))
		}
	}
	slices.Sort(asked)
	if want := []string{"$(id)", "`id`", "main"}; !slices.Equal(asked, want) {
		t.Errorf("git refs asked: %q, want %q verbatim", asked, want)
	}
	execs, pips := 0, 0
	for _, q := range e.Queries() {
		for _, f := range q.Chain {
			switch f.Name {
			case "from":
				if f.Str("address") != image {
					t.Errorf("container.from(%q), want the image verbatim", f.Str("address"))
				}
			case "withExec":
				execs++
				args := f.Strings("args")
				if len(args) < 5 || args[0] != "timeout" || slices.Contains(args, "-c") {
					t.Errorf("exec %q is not timeout(1) running a program directly", args)
				}
				for _, a := range args {
					if strings.Contains(a, coreRef) || strings.Contains(a, downRef) || strings.Contains(a, image) {
						t.Errorf("exec %q carries a ref or the image", args)
					}
				}
				if slices.Contains(args, "pip") {
					pips++
					if args[len(args)-1] != pipArg {
						t.Errorf("pip exec %q does not end with the pip argument as one element", args)
					}
				}
			}
		}
	}
	if execs == 0 || pips == 0 {
		t.Errorf("%d execs, %d pip installs: the campaign did not run", execs, pips)
	}
}
