package junit

import (
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// Traceback lines that name a file and a line:
//
//	tests/contracts/test_x.py:12: in test_y      (pytest --tb=short, long)
//	tests/contracts/test_x.py:14: AssertionError (pytest --tb=long)
//	File "tests/contracts/test_x.py", line 14    (--tb=native)
var (
	pytestLoc = regexp.MustCompile(`(?m)^[ \t]*([^\s:"]+\.py):([0-9]{1,9}):`)
	nativeLoc = regexp.MustCompile(`File "([^"\n]+\.py)", line ([0-9]{1,9})`)
)

// locate fills c.File and c.Line.
//
// File is the testcase's file attribute when present (pytest's xunit1).
// Otherwise it is derived from the dotted classname (or, for pytest's
// collection errors, which leave classname empty, from the name): of the
// paths its prefixes name (tests.contracts.test_x.TestY ->
// tests/contracts/test_x/TestY.py, tests/contracts/test_x.py, ...), the
// longest one that the traceback mentions, else the module path left after
// dropping trailing class names (components starting with an upper-case
// letter), if that module is named like a pytest test file (test_*.py or
// *_test.py): a synthesized case with classname "contracts" gets no file.
//
// Line is the last traceback line in File (the innermost frame in the
// test's own file, 1-based), else the line attribute. Note that pytest's
// xunit1 line attribute is 0-based: it points one line above the def.
func locate(c *Case, fileAttr, lineAttr string) {
	locs := tracebackLocs(c.Text)
	c.File = fileAttr
	if c.File == "" {
		c.File = guessFile(c.Classname, c.Name, locs)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(lineAttr)); err == nil && n > 0 {
		c.Line = n
	}
	if c.File == "" {
		return
	}
	for i := len(locs) - 1; i >= 0; i-- {
		if sameFile(locs[i].file, c.File) {
			c.Line = locs[i].line
			return
		}
	}
}

// maxModuleDepth bounds the dotted classnames that locate derives a file from.
const maxModuleDepth = 16

type loc struct {
	file string
	line int
	at   int // offset in the text, to order the two formats
}

// tracebackLocs lists the file:line locations in text, in text order.
func tracebackLocs(text string) []loc {
	if !strings.Contains(text, ".py") {
		return nil
	}
	var out []loc
	for _, re := range []*regexp.Regexp{pytestLoc, nativeLoc} {
		for _, m := range re.FindAllStringSubmatchIndex(text, -1) {
			n, err := strconv.Atoi(text[m[4]:m[5]])
			if err != nil || n <= 0 {
				continue
			}
			out = append(out, loc{file: text[m[2]:m[3]], line: n, at: m[0]})
		}
	}
	slices.SortFunc(out, func(a, b loc) int { return a.at - b.at })
	return out
}

// sameFile reports whether a traceback path names the repo-relative file
// rel: equal, or rel preceded by a directory (an absolute path).
func sameFile(tb, rel string) bool {
	return tb == rel || strings.HasSuffix(tb, "/"+rel)
}

func guessFile(classname, name string, locs []loc) string {
	dotted := classname
	if dotted == "" {
		dotted = name
	}
	parts := strings.Split(dotted, ".")
	if len(parts) > maxModuleDepth {
		return ""
	}
	for _, p := range parts {
		if !isIdent(p) {
			return ""
		}
	}
	mentioned := suffixes(locs)
	for n := len(parts); n > 0; n-- {
		if cand := strings.Join(parts[:n], "/") + ".py"; mentioned[cand] {
			return cand
		}
	}
	n := len(parts)
	for n > 0 && parts[n-1][0] >= 'A' && parts[n-1][0] <= 'Z' {
		n--
	}
	if n == 0 || !isTestModule(parts[n-1]) {
		return ""
	}
	return strings.Join(parts[:n], "/") + ".py"
}

// isTestModule reports whether a module name matches pytest's default
// python_files patterns, test_*.py and *_test.py.
func isTestModule(m string) bool {
	return strings.HasPrefix(m, "test_") || strings.HasSuffix(m, "_test")
}

// suffixes returns every path the traceback files name, relative to each
// of their directories: /w/tests/a.py gives /w/tests/a.py, w/tests/a.py,
// tests/a.py and a.py.
func suffixes(locs []loc) map[string]bool {
	out := map[string]bool{}
	for _, l := range locs {
		f := l.file
		for !out[f] {
			out[f] = true
			i := strings.IndexByte(f, '/')
			if i < 0 {
				break
			}
			f = f[i+1:]
		}
	}
	return out
}

// isIdent reports whether s is an ASCII Python identifier.
func isIdent(s string) bool {
	if s == "" || (s[0] >= '0' && s[0] <= '9') {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b == '_' || b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
			return false
		}
	}
	return true
}
