package version

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"regexp"
	"strconv"
	"strings"
)

// ChangelogPath is the changelog, relative to the repository root.
const ChangelogPath = "contracts/docs/CHANGELOG.md"

// SourcePath is this file's package source declaring Release, relative to
// the repository root.
const SourcePath = "contracts/version/version.go"

// Section is one release's part of the changelog: a "## vX.Y.Z ..."
// heading and the text under it, up to the next "## " heading.
type Section struct {
	// Version is the heading's first word ("v0.1.0").
	Version string
	// Heading is the whole heading line without "## ".
	Heading string
	// Body is the text under it, trimmed.
	Body string
}

var releaseHeading = regexp.MustCompile(`^## (v\S+)`)

// Sections returns the changelog's release sections, newest (first) first;
// other "## " sections ("Unreleased") are left out.
func Sections(changelog string) []Section {
	var out []Section
	var cur *Section
	var body []string
	flush := func() {
		if cur != nil {
			cur.Body = strings.TrimSpace(strings.Join(body, "\n"))
			out = append(out, *cur)
		}
		cur, body = nil, nil
	}
	for _, line := range strings.Split(strings.ReplaceAll(changelog, "\r\n", "\n"), "\n") {
		if !strings.HasPrefix(line, "## ") {
			body = append(body, line)
			continue
		}
		flush()
		if m := releaseHeading.FindStringSubmatch(line); m != nil {
			cur = &Section{Version: m[1], Heading: strings.TrimPrefix(line, "## ")}
		}
	}
	flush()
	return out
}

// Notes returns the changelog section of tag, refusing a tag without one
// or with an empty one: a release says what changed for its users.
func Notes(changelog, tag string) (string, error) {
	for _, s := range Sections(changelog) {
		if s.Version == tag {
			if s.Body == "" {
				return "", fmt.Errorf("%s: the section of %s is empty", ChangelogPath, tag)
			}
			return s.Body + "\n", nil
		}
	}
	return "", fmt.Errorf("%s has no section \"## %s\": write what changed for users before tagging", ChangelogPath, tag)
}

// ReleaseIn reads the Release constant from the source of this package
// (version.go of a checkout), without building it.
func ReleaseIn(src string) (string, error) {
	f, err := parser.ParseFile(token.NewFileSet(), SourcePath, src, 0)
	if err != nil {
		return "", err
	}
	for _, d := range f.Decls {
		gd, ok := d.(*ast.GenDecl)
		if !ok || gd.Tok != token.CONST {
			continue
		}
		for _, spec := range gd.Specs {
			vs := spec.(*ast.ValueSpec)
			for i, name := range vs.Names {
				if name.Name != "Release" || i >= len(vs.Values) {
					continue
				}
				if lit, ok := vs.Values[i].(*ast.BasicLit); ok && lit.Kind == token.STRING {
					return strconv.Unquote(lit.Value)
				}
			}
		}
	}
	return "", fmt.Errorf("%s declares no string constant Release", SourcePath)
}
