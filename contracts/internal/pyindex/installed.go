package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/textproto"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
)

// interpreter is what the index needs to know of the Python whose
// installed distributions it serves.
type interpreter struct {
	// Path is sys.path: the directories searched for distributions, in
	// import order.
	Path []string `json:"path"`
	// Tag is the interpreter tag of its extension modules ("cp311") and
	// Platform its platform tag ("linux_x86_64"), for a distribution whose
	// metadata does not say which wheel it came from.
	Tag      string `json:"tag"`
	Platform string `json:"platform"`
}

// askInterpreter is run with -I (no user site, no PYTHON* variables, no
// script directory on sys.path), so sys.path is the site-packages and what
// their .pth files add.
const askInterpreter = `import json, sys, sysconfig
print(json.dumps({
    "path": sys.path,
    "tag": "%s%d%d" % ({"cpython": "cp"}.get(sys.implementation.name, sys.implementation.name), *sys.version_info[:2]),
    "platform": sysconfig.get_platform().replace("-", "_").replace(".", "_"),
}))`

// inspect asks python for its sys.path and tags.
func inspect(ctx context.Context, python string) (interpreter, error) {
	var in interpreter
	out, err := exec.CommandContext(ctx, python, "-I", "-c", askInterpreter).Output()
	if err != nil {
		return in, fmt.Errorf("asking %s for its sys.path: %w", python, exitDetail(err))
	}
	if err := json.Unmarshal(out, &in); err != nil {
		return in, fmt.Errorf("asking %s for its sys.path: %w", python, err)
	}
	return in, nil
}

// dist is one installed distribution.
type dist struct {
	// Name and Version are the metadata's; Project is the PEP 503 name.
	Name, Version, Project string
	// Site is the sys.path directory holding it; InfoDir its .dist-info or
	// .egg-info directory's name in Site.
	Site, InfoDir string
	// Meta are the metadata's headers (METADATA or PKG-INFO).
	Meta textproto.MIMEHeader
}

// EggInfo reports whether the distribution was installed as an .egg-info
// directory (Debian's packages, setup.py installs).
func (d dist) EggInfo() bool { return strings.HasSuffix(d.InfoDir, ".egg-info") }

// metadataFile is the metadata's file name inside the info directory.
func (d dist) metadataFile() string {
	if d.EggInfo() {
		return "PKG-INFO"
	}
	return "METADATA"
}

// infoPath is the path of a file in the distribution's info directory.
func (d dist) infoPath(name string) string { return filepath.Join(d.Site, d.InfoDir, name) }

// distributions finds the distributions installed on path, the first of
// each project only (the one the interpreter imports), by project name.
// A directory that cannot be read, or an info directory whose metadata
// cannot be, is skipped and noted in notes.
func distributions(path []string) (map[string]dist, []string) {
	found := map[string]dist{}
	var notes []string
	for _, site := range path {
		entries, err := os.ReadDir(site)
		if err != nil {
			continue // a zip file on sys.path, or a directory that does not exist
		}
		for _, e := range entries {
			name := e.Name()
			if !e.IsDir() || !(strings.HasSuffix(name, ".dist-info") || strings.HasSuffix(name, ".egg-info")) {
				continue
			}
			d, err := readDist(site, name)
			if err != nil {
				notes = append(notes, err.Error())
				continue
			}
			if _, seen := found[d.Project]; !seen {
				found[d.Project] = d
			}
		}
	}
	return found, notes
}

// readDist reads the metadata headers of the distribution in site/infoDir.
func readDist(site, infoDir string) (dist, error) {
	d := dist{Site: site, InfoDir: infoDir}
	data, err := os.ReadFile(d.infoPath(d.metadataFile()))
	if err != nil {
		return d, fmt.Errorf("%s: %w", filepath.Join(site, infoDir), err)
	}
	d.Meta, err = readHeaders(data)
	if err != nil {
		return d, fmt.Errorf("%s: %w", d.infoPath(d.metadataFile()), err)
	}
	d.Name, d.Version = d.Meta.Get("Name"), d.Meta.Get("Version")
	if d.Name == "" || d.Version == "" {
		return d, fmt.Errorf("%s: no Name or Version", d.infoPath(d.metadataFile()))
	}
	d.Project = normalize(d.Name)
	return d, nil
}

// readHeaders reads the header block of a METADATA or PKG-INFO file (the
// email header format of the core metadata specification).
func readHeaders(data []byte) (textproto.MIMEHeader, error) {
	h, err := textproto.NewReader(bufio.NewReader(bytes.NewReader(data))).ReadMIMEHeader()
	if err != nil && len(h) == 0 {
		return nil, err
	}
	return h, nil
}

var separators = regexp.MustCompile(`[-_.]+`)

// normalize is a project's PEP 503 normalized name.
func normalize(name string) string {
	return strings.ToLower(separators.ReplaceAllString(name, "-"))
}

// escapeName is a project's name as wheel file names and .dist-info
// directories spell it.
func escapeName(name string) string { return separators.ReplaceAllString(name, "_") }

// exitDetail adds a failed command's stderr to its error.
func exitDetail(err error) error {
	if ee, ok := err.(*exec.ExitError); ok && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, strings.TrimSpace(string(ee.Stderr)))
	}
	return err
}
