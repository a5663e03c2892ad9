package matrix

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The YAML mappings of a matrix decode key by key, so that an unknown,
// repeated or mistyped key is reported with its name and line, and a
// downstream entry's error can name the entry (see downstreamEntry).

// UnmarshalYAML decodes the top level of a matrix file.
func (f *file) UnmarshalYAML(n *yaml.Node) error {
	return decodeFields(n, map[string]any{
		"version": &f.Version, "core": &f.Core, "defaults": &f.Defaults, "downstreams": &f.Downstreams,
	})
}

// UnmarshalYAML decodes the core mapping.
func (c *coreEntry) UnmarshalYAML(n *yaml.Node) error {
	return decodeFields(n, map[string]any{"name": &c.Name, "repo": &c.Repo, "package": &c.Package, "ref": &c.Ref})
}

// UnmarshalYAML decodes the defaults mapping.
func (d *defaultsEntry) UnmarshalYAML(n *yaml.Node) error {
	return decodeFields(n, map[string]any{"tests": &d.Tests, "timeout": &d.Timeout})
}

// UnmarshalYAML decodes one downstream. Its error is kept for build, which
// knows the entry's index, rather than returned: build then names the
// entry, by its name when it has a readable one.
func (e *downstreamEntry) UnmarshalYAML(n *yaml.Node) error {
	if name, ok := scalarField(n, "name"); ok {
		e.Name = name
	}
	e.err = decodeFields(n, map[string]any{
		"name": &e.Name, "repo": &e.Repo, "ref": &e.Ref, "tests": &e.Tests,
		"install": &e.Install, "env": &e.Env, "timeout": &e.Timeout,
	})
	return nil
}

// decodeFields decodes mapping n into the pointers in fields, refusing
// unknown and repeated keys.
func decodeFields(n *yaml.Node, fields map[string]any) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping with keys %s", n.Line, known(fields))
	}
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if first, dup := seen[k.Value]; dup {
			return fmt.Errorf("%s: line %d: repeated key (first at line %d)", k.Value, k.Line, first)
		}
		seen[k.Value] = k.Line
		dst, ok := fields[k.Value]
		if !ok {
			return fmt.Errorf("line %d: unknown key %q (known: %s)", k.Line, k.Value, known(fields))
		}
		if err := v.Decode(dst); err != nil {
			var te *yaml.TypeError
			if errors.As(err, &te) {
				return fmt.Errorf("%s: line %d: %s", k.Value, v.Line, typeError(te))
			}
			return fmt.Errorf("%s: %w", k.Value, err)
		}
	}
	return nil
}

// scalarField returns the value of key in mapping n if it is a scalar.
func scalarField(n *yaml.Node, key string) (string, bool) {
	if n.Kind != yaml.MappingNode {
		return "", false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value, true
		}
	}
	return "", false
}

func known(fields map[string]any) string {
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// goTypes names the Go types of yaml's messages in the matrix's terms.
var goTypes = strings.NewReplacer(
	"[]matrix.downstreamEntry", "a list of downstreams",
	"map[string]string", "a mapping of names to strings",
	"[][]string", "a list of argument lists",
	"[]string", "a list of strings",
)

// typeError renders a yaml type error without its "line N:" prefixes (the
// caller names the key and line) and without Go type names.
func typeError(te *yaml.TypeError) string {
	msgs := make([]string, len(te.Errors))
	for i, m := range te.Errors {
		if j := strings.Index(m, ": "); strings.HasPrefix(m, "line ") && j > 0 {
			m = m[j+2:]
		}
		msgs[i] = goTypes.Replace(m)
	}
	return strings.Join(msgs, "; ")
}
