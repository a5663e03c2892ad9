// Package diagnose reads causes out of failure output, for both runners:
// what a pytest collection error raised and whether Core raised it (from
// the lines the plan's pytest wrapper, contracts/plan/run_pytest.py, puts
// at the top of the error's report), and which lines of a failed
// command's output a reason quotes (Quote), kept when a reason is
// shortened for display (Shorten).
package diagnose

import (
	"strconv"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
)

// CollectionMessage is the message pytest gives every collection error in
// its JUnit report.
const CollectionMessage = "collection failure"

// headerPrefix starts each line the pytest wrapper writes at the top of a
// collection error's report.
const headerPrefix = "[contracts] "

// headerLines bounds how many leading lines are read as the header.
const headerLines = 8

// Collection is a module (or package) that pytest could not collect.
type Collection struct {
	// Module is the dotted path pytest names the node by:
	// "tests.contracts.test_x" for a module, "tests.contracts" for a
	// package whose conftest failed. Its tests' classnames start with it.
	Module string
	// File and Line locate the line of the test module (or of the repo's
	// own code) where the exception was raised; empty when unknown.
	File string
	Line int
	// Exception is the exception on one line ("ImportError: cannot import
	// name 'X' from 'market_data_core.telemetry'"); empty when unknown.
	Exception string
	// Core is the evidence that the exception comes from Core ("ImportError
	// from market_data_core.telemetry", "raised in market_data_core/x.py:3");
	// empty when it does not.
	Core string
	// Missing is the module a ModuleNotFoundError names when it is not
	// Core's (an environment problem: "loguru").
	Missing string
}

// FromCore reports whether Core raised the exception (see Core).
func (c Collection) FromCore() bool { return c.Core != "" }

// Contains reports whether a test case with this classname belongs to the
// uncollectable module or package.
func (c Collection) Contains(classname string) bool {
	return classname == c.Module || strings.HasPrefix(classname, c.Module+".")
}

// Describe is the collection error for a reason: "tests/contracts/test_x.py:4:
// ImportError: ...".
func (c Collection) Describe() string {
	where := c.File
	switch {
	case where == "":
		where = c.Module
	case c.Line > 0:
		where += ":" + strconv.Itoa(c.Line)
	}
	if c.Exception == "" {
		return where + ": " + CollectionMessage
	}
	return where + ": " + c.Exception
}

// CollectionError reports whether c is a collection error in pytest's
// JUnit report (an error case without a classname, named after the node,
// with pytest's "collection failure" message or the wrapper's header) and
// returns what it says.
func CollectionError(c junit.Case) (Collection, bool) {
	if c.Status != junit.StatusError || c.Classname != "" || c.Name == "" {
		return Collection{}, false // cheap checks first: most cases are not
	}
	header, hasHeader := readHeader(c.Text)
	if c.Message != CollectionMessage && !hasHeader {
		return Collection{}, false
	}
	col := Collection{Module: c.Name, File: c.File, Line: c.Line}
	col.Exception = header["exception"]
	if col.Exception == "" {
		col.Exception = exceptionLine(c.Text)
	}
	col.Core, col.Missing = header["core"], header["missing"]
	if file, line, ok := location(header["at"]); ok {
		col.File, col.Line = file, line
	}
	return col, true
}

// Collections returns the collection errors among cases.
func Collections(cases []junit.Case) []Collection {
	var out []Collection
	for _, c := range cases {
		if col, ok := CollectionError(c); ok {
			out = append(out, col)
		}
	}
	return out
}

// Cases returns cases with every collection error made readable: its
// message is the exception it raised and it is located at the line of the
// test module that raised it (for annotations). Other cases are kept as
// they are. A collection error without the wrapper's header gets one
// naming its exception, so the case it returns is still recognized as a
// collection error (Cases is idempotent).
func Cases(cases []junit.Case) []junit.Case {
	out := make([]junit.Case, len(cases))
	for i, c := range cases {
		if col, ok := CollectionError(c); ok {
			if col.Exception != "" {
				if _, has := readHeader(c.Text); !has {
					c.Text = headerPrefix + "exception: " + col.Exception + "\n" + c.Text
				}
				c.Message = col.Exception
			}
			c.File, c.Line = col.File, col.Line
		}
		out[i] = c
	}
	return out
}

// readHeader reads the "[contracts] key: value" lines at the top of text.
func readHeader(text string) (map[string]string, bool) {
	out := map[string]string{}
	for i, line := range strings.SplitN(text, "\n", headerLines+1) {
		if i == headerLines {
			break
		}
		rest, ok := strings.CutPrefix(line, headerPrefix)
		if !ok {
			break
		}
		if key, value, ok := strings.Cut(rest, ": "); ok {
			out[key] = strings.TrimSpace(value)
		}
	}
	return out, len(out) > 0
}

// location splits "path.py:12".
func location(at string) (string, int, bool) {
	i := strings.LastIndexByte(at, ':')
	if i <= 0 {
		return "", 0, false
	}
	n, err := strconv.Atoi(at[i+1:])
	if err != nil || n <= 0 {
		return "", 0, false
	}
	return at[:i], n, true
}

// exceptionLine is the exception of a pytest traceback without the
// wrapper's header: the first line of the last block of "E   " lines.
func exceptionLine(text string) string {
	lines := strings.Split(text, "\n")
	end := len(lines) - 1
	for end >= 0 && !strings.HasPrefix(lines[end], "E ") {
		end--
	}
	start := end
	for start > 0 && strings.HasPrefix(lines[start-1], "E ") {
		start--
	}
	if start < 0 {
		return ""
	}
	return strings.TrimSpace(strings.TrimPrefix(lines[start], "E"))
}
