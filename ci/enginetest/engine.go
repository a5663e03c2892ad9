// Package enginetest is a fake Dagger engine session for the module's
// tests. There is no engine on the machines that build this module, so the
// tests run the module's Go functions against this fake instead: it serves
// the GraphQL endpoint the generated client posts to (/query), records
// every query, and answers each with values a test chooses.
//
// The generated client sends one query per evaluated leaf: a chain of
// single-field selections from the root (container.from(...).withExec(...)
// ... .exitCode), with object arguments (a directory to mount, a secret)
// passed as IDs that an earlier `id` query returned, and synced objects
// continued through node(id:). The fake expands both, so a test sees every
// query as the full Chain of calls that produced its value.
//
// The fake knows almost nothing of Dagger's semantics: it builds no
// containers and runs nothing. It carries out only plain data (files and
// directories made from strings or read from the module's scratch
// workdir, and their export: see Files). It shows what the module asks
// the engine to do, not that an engine would succeed.
package enginetest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"dagger/market-data-contracts/enginetest/session"
)

// Field is one call of a chain: a field and its arguments as JSON-like Go
// values (strings, float64 numbers, bools, []any, map[string]any; enum
// values as their names).
type Field struct {
	// Name is the GraphQL field.
	Name string
	// Args are its arguments by name.
	Args map[string]any
}

// Arg returns the argument name, or nil.
func (f Field) Arg(name string) any { return f.Args[name] }

// Str returns the string argument name, or "".
func (f Field) Str(name string) string {
	s, _ := f.Args[name].(string)
	return s
}

// Strings returns the list-of-strings argument name.
func (f Field) Strings(name string) []string {
	list, _ := f.Args[name].([]any)
	out := make([]string, 0, len(list))
	for _, v := range list {
		s, _ := v.(string)
		out = append(out, s)
	}
	return out
}

// Chain is the calls from the root to a value, node(id:) expanded.
type Chain []Field

// Leaf is the chain's last call: the value the query asked for.
func (c Chain) Leaf() Field { return c[len(c)-1] }

// Has reports whether the chain's fields are exactly names, in order.
func (c Chain) Has(names ...string) bool {
	if len(c) != len(names) {
		return false
	}
	for i, n := range names {
		if c[i].Name != n {
			return false
		}
	}
	return true
}

// Index returns the positions of the calls named name.
func (c Chain) Index(name string) []int {
	var out []int
	for i, f := range c {
		if f.Name == name {
			out = append(out, i)
		}
	}
	return out
}

// String renders the chain as name(args).name(args)...
func (c Chain) String() string {
	parts := make([]string, len(c))
	for i, f := range c {
		args, _ := json.Marshal(f.Args)
		if len(f.Args) == 0 {
			args = nil
		}
		parts[i] = f.Name + string(args)
	}
	return strings.Join(parts, ".")
}

// Query is one recorded request.
type Query struct {
	// Text is the query as sent.
	Text string
	// Chain is the query's call chain, node(id:) expanded.
	Chain Chain
}

// Resolver answers the value a chain asks for. It returns the value (any
// JSON-encodable value) or an error, sent as a GraphQL error; use
// ExecError for a failed exec. `id` and `sync` never reach it unless a
// test wants `sync` to fail: a nil value and nil error for `sync` mean
// success.
type Resolver func(c Chain) (any, error)

// Error is a GraphQL error with extensions, as the engine sends them.
type Error struct {
	// Message is the error's message.
	Message string
	// Extensions carry the engine's details (exit code, stdout, stderr).
	Extensions map[string]any
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// ExecError is the error the engine returns when an exec exits non-zero.
func ExecError(cmd []string, exitCode int, stdout, stderr string) error {
	return &Error{
		Message: fmt.Sprintf("process %q did not complete successfully: exit code: %d", strings.Join(cmd, " "), exitCode),
		Extensions: map[string]any{
			"_type": "EXEC_ERROR", "cmd": cmd, "exitCode": exitCode,
			"stdout": stdout, "stderr": stderr,
		},
	}
}

// Engine is the fake engine of one test.
type Engine struct {
	resolve Resolver

	mu      sync.Mutex
	queries []Query
	objects map[string]Chain
	nextID  int
}

var (
	serveOnce sync.Once
	// testMu serialises tests: there is one session port per test binary.
	testMu  sync.Mutex
	current struct {
		sync.Mutex
		e *Engine
	}
)

// Use makes a fresh fake engine answer the module's queries for the rest
// of the test. Tests using it must not run in parallel with each other.
func Use(t testing.TB, resolve Resolver) *Engine {
	t.Helper()
	serveOnce.Do(func() {
		go http.Serve(session.Listener(), http.HandlerFunc(serve)) // lives as long as the test binary
	})
	testMu.Lock()
	e := &Engine{resolve: resolve, objects: map[string]Chain{}}
	current.Lock()
	current.e = e
	current.Unlock()
	t.Cleanup(func() {
		current.Lock()
		current.e = nil
		current.Unlock()
		testMu.Unlock()
	})
	return e
}

// Queries returns the queries received so far, in order.
func (e *Engine) Queries() []Query {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]Query(nil), e.queries...)
}

// Object returns the chain that produced an ID the engine handed out.
func (e *Engine) Object(id string) (Chain, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	c, ok := e.objects[id]
	return c, ok
}

// Leaves returns the chains of the queries whose value is named leaf.
func (e *Engine) Leaves(leaf string) []Chain {
	var out []Chain
	for _, q := range e.Queries() {
		if q.Chain.Leaf().Name == leaf {
			out = append(out, q.Chain)
		}
	}
	return out
}

func serve(w http.ResponseWriter, r *http.Request) {
	current.Lock()
	e := current.e
	current.Unlock()
	user, _, ok := r.BasicAuth()
	switch {
	case e == nil:
		http.Error(w, "enginetest: no test is using the fake engine", http.StatusServiceUnavailable)
		return
	case !ok || user != session.Token:
		http.Error(w, "enginetest: wrong session token", http.StatusUnauthorized)
		return
	case r.URL.Path != "/query" || r.Method != http.MethodPost:
		http.Error(w, "enginetest: want POST /query", http.StatusNotFound)
		return
	}
	var req struct {
		Query string `json:"query"`
	}
	body, _ := io.ReadAll(r.Body)
	if err := json.Unmarshal(body, &req); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(e.answer(req.Query)) // a short write shows as a client error
}

type response struct {
	Data   any        `json:"data"`
	Errors []gqlError `json:"errors,omitempty"`
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []string       `json:"path,omitempty"`
	Extensions map[string]any `json:"extensions,omitempty"`
}

// answer parses, records and resolves one query.
func (e *Engine) answer(text string) response {
	keys, chain, err := e.parse(text)
	if err != nil {
		return response{Errors: []gqlError{{Message: "enginetest: " + err.Error()}}}
	}
	e.mu.Lock()
	e.queries = append(e.queries, Query{Text: text, Chain: chain})
	e.mu.Unlock()
	value, err := e.value(chain)
	if err != nil {
		ge := gqlError{Message: err.Error(), Path: keys}
		if fe, ok := err.(*Error); ok {
			ge.Extensions = fe.Extensions
		}
		return response{Errors: []gqlError{ge}}
	}
	for i := len(keys) - 1; i >= 0; i-- {
		value = map[string]any{keys[i]: value}
	}
	return response{Data: value}
}

// value answers a chain's leaf: IDs and the export of plain data (see
// Files) are made here, the rest by the test.
func (e *Engine) value(c Chain) (any, error) {
	switch c.Leaf().Name {
	case "id":
		return e.newID(c[:len(c)-1]), nil
	case "export":
		if v, ok, err := export(c); ok {
			return v, err
		}
	case "sync":
		v, err := e.resolve(c)
		if err != nil || v != nil {
			return v, err
		}
		return e.newID(c[:len(c)-1]), nil
	}
	return e.resolve(c)
}

func (e *Engine) newID(c Chain) string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextID++
	id := fmt.Sprintf("enginetest-id-%d", e.nextID)
	e.objects[id] = append(Chain(nil), c...)
	return id
}

// parse reads a query made of single selections and returns the response
// keys (the fields as written) and the expanded chain.
func (e *Engine) parse(text string) ([]string, Chain, error) {
	doc, err := parser.ParseQuery(&ast.Source{Input: text})
	if err != nil {
		return nil, nil, err
	}
	if len(doc.Operations) != 1 {
		return nil, nil, fmt.Errorf("want one operation, got %d", len(doc.Operations))
	}
	var keys []string
	var chain Chain
	set := doc.Operations[0].SelectionSet
	for len(set) > 0 {
		if len(set) != 1 {
			return nil, nil, fmt.Errorf("want single selections, got %d at %s", len(set), chain)
		}
		switch sel := set[0].(type) {
		case *ast.InlineFragment:
			set = sel.SelectionSet
		case *ast.Field:
			f := Field{Name: sel.Name, Args: map[string]any{}}
			for _, a := range sel.Arguments {
				v, err := a.Value.Value(nil)
				if err != nil {
					return nil, nil, err
				}
				f.Args[a.Name] = v
			}
			keys = append(keys, sel.Alias)
			if f.Name == "node" {
				obj, ok := e.Object(f.Str("id"))
				if !ok {
					return nil, nil, fmt.Errorf("node: unknown id %v", f.Arg("id"))
				}
				chain = append(chain, obj...)
			} else {
				chain = append(chain, f)
			}
			set = sel.SelectionSet
		default:
			return nil, nil, fmt.Errorf("unsupported selection %T", sel)
		}
	}
	if len(chain) == 0 {
		return nil, nil, fmt.Errorf("empty query")
	}
	return keys, chain, nil
}
