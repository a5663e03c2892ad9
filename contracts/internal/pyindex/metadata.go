package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// distInfoMetadata is the METADATA of the rebuilt wheel: a .dist-info's own
// file as installed; for an .egg-info, its PKG-INFO with the requirements
// of its requires.txt added as Requires-Dist and Provides-Extra headers
// (PKG-INFO written by setuptools leaves them out).
func distInfoMetadata(d dist) ([]byte, error) {
	data, err := os.ReadFile(d.infoPath(d.metadataFile()))
	if err != nil || !d.EggInfo() || len(d.Meta["Requires-Dist"]) > 0 {
		return data, err
	}
	reqs, err := os.ReadFile(d.infoPath("requires.txt"))
	if os.IsNotExist(err) {
		return data, nil
	}
	if err != nil {
		return nil, err
	}
	requires, extras := requiresDist(reqs)
	var add bytes.Buffer
	for _, e := range extras {
		fmt.Fprintf(&add, "Provides-Extra: %s\n", e)
	}
	for _, r := range requires {
		fmt.Fprintf(&add, "Requires-Dist: %s\n", r)
	}
	return withHeaders(data, add.Bytes()), nil
}

// requiresDist turns an .egg-info's requires.txt into Requires-Dist values
// and the extras it names, as importlib.metadata reads such a file: a
// requirement under "[extra]" gets `extra == "extra"`, under "[:marker]"
// the marker, under "[extra:marker]" both.
func requiresDist(requiresTxt []byte) (requires, extras []string) {
	section := ""
	lines := bufio.NewScanner(bytes.NewReader(requiresTxt))
	for lines.Scan() {
		line := strings.TrimSpace(lines.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			if extra, _, _ := strings.Cut(section, ":"); extra != "" && !slices.Contains(extras, extra) {
				extras = append(extras, extra)
			}
		default:
			requires = append(requires, line+sectionMarker(section))
		}
	}
	return requires, extras
}

// sectionMarker is the environment marker a requires.txt section stands for.
func sectionMarker(section string) string {
	extra, marker, _ := strings.Cut(section, ":")
	var conditions []string
	if marker != "" {
		if extra != "" {
			marker = "(" + marker + ")"
		}
		conditions = append(conditions, marker)
	}
	if extra != "" {
		conditions = append(conditions, "extra == "+strconv.Quote(extra))
	}
	if len(conditions) == 0 {
		return ""
	}
	return "; " + strings.Join(conditions, " and ")
}

// withHeaders inserts header lines at the end of a metadata file's header
// block (before the blank line that starts its body, if any).
func withHeaders(metadata, headers []byte) []byte {
	text := strings.ReplaceAll(string(metadata), "\r\n", "\n")
	head, body, hasBody := strings.Cut(text, "\n\n")
	head = strings.TrimSuffix(head, "\n") + "\n" + string(headers)
	if hasBody {
		return []byte(head + "\n" + body)
	}
	return []byte(head)
}
