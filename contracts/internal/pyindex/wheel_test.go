package main

import (
	"archive/zip"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

var testInterp = interpreter{Tag: "cp311", Platform: "linux_x86_64"}

// writeFiles creates files (path -> content) under dir.
func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, content := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readWheel returns a wheel's files and checks its RECORD: every file is
// listed once with its sha256 and size, RECORD itself without.
func readWheel(t *testing.T, path string) map[string]string {
	t.Helper()
	z, err := zip.OpenReader(path)
	if err != nil {
		t.Fatal(err)
	}
	defer z.Close()
	files := map[string]string{}
	var record string
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, _ := io.ReadAll(r)
		r.Close()
		files[f.Name] = string(data)
		if strings.HasSuffix(f.Name, ".dist-info/RECORD") {
			record = f.Name
		}
	}
	if record == "" {
		t.Fatalf("%s has no RECORD: %v", path, slices.Sorted(maps.Keys(files)))
	}
	rows, err := csv.NewReader(strings.NewReader(files[record])).ReadAll()
	if err != nil {
		t.Fatalf("RECORD: %v", err)
	}
	listed := map[string]bool{}
	for _, row := range rows {
		name := row[0]
		listed[name] = true
		if name == record {
			if row[1] != "" || row[2] != "" {
				t.Errorf("RECORD lists itself with a hash: %q", row)
			}
			continue
		}
		sum := sha256.Sum256([]byte(files[name]))
		if row[1] != "sha256="+base64.RawURLEncoding.EncodeToString(sum[:]) || row[2] != strconv.Itoa(len(files[name])) {
			t.Errorf("RECORD row %q does not match the file", row)
		}
	}
	for name := range files {
		if !listed[name] {
			t.Errorf("%s is not in RECORD", name)
		}
	}
	return files
}

// TestRebuildDistInfo: an extension's wheel keeps the tags it was
// installed with; installer files, byte code and files outside the site
// directory are left out.
func TestRebuildDistInfo(t *testing.T) {
	site := t.TempDir()
	info := "fast_core-2.46.4.dist-info"
	record := strings.Join([]string{
		"fast_core/__init__.py,sha256=x,10",
		"fast_core/_fast.cpython-311-x86_64-linux-gnu.so,sha256=x,10",
		"fast_core/__pycache__/__init__.cpython-311.pyc,,",
		"../../../bin/fast,sha256=x,10",
		"fast_core/gone.py,sha256=x,10",
		info + "/METADATA,sha256=x,10",
		info + "/INSTALLER,sha256=x,4",
		info + "/WHEEL,sha256=x,10",
		info + "/RECORD,,",
	}, "\n")
	writeFiles(t, site, map[string]string{
		"fast_core/__init__.py":                           "from ._fast import *\n",
		"fast_core/_fast.cpython-311-x86_64-linux-gnu.so": "\x7fELF",
		"fast_core/__pycache__/__init__.cpython-311.pyc":  "bytecode",
		info + "/METADATA":                                "Metadata-Version: 2.1\nName: fast-core\nVersion: 2.46.4\nRequires-Python: >=3.9\n\nA description.\n",
		info + "/INSTALLER":                               "pip\n",
		info + "/WHEEL":                                   "Wheel-Version: 1.0\nGenerator: maturin (1.13.1)\nRoot-Is-Purelib: false\nTag: cp311-cp311-manylinux_2_17_x86_64\nTag: cp311-cp311-manylinux2014_x86_64\n",
		info + "/licenses/LICENSE":                        "MIT\n",
		info + "/RECORD":                                  record,
	})
	w := rebuilt(t, installed(t, site, info))
	if want := "fast_core-2.46.4-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl"; w.File != want {
		t.Errorf("file %s, want %s", w.File, want)
	}
	if w.RequiresPython != ">=3.9" || w.Skipped != 2 {
		t.Errorf("requires-python %q, skipped %d; want >=3.9 and 2 (the script and the missing file)", w.RequiresPython, w.Skipped)
	}
	files := readWheel(t, w.Path)
	want := []string{
		info + "/METADATA", info + "/RECORD", info + "/WHEEL", info + "/licenses/LICENSE",
		"fast_core/__init__.py", "fast_core/_fast.cpython-311-x86_64-linux-gnu.so",
	}
	if got := slices.Sorted(maps.Keys(files)); !slices.Equal(got, want) {
		t.Errorf("wheel holds %q, want %q", got, want)
	}
	if !strings.Contains(files[info+"/WHEEL"], "Generator: maturin") {
		t.Errorf("WHEEL is not the installed one:\n%s", files[info+"/WHEEL"])
	}
}

// TestRebuildEggInfo: an .egg-info (files from installed-files.txt)
// becomes a .dist-info whose METADATA carries requires.txt as
// Requires-Dist, with a WHEEL saying pure Python.
func TestRebuildEggInfo(t *testing.T) {
	site := t.TempDir()
	info := "plug_gy-1.0.0+repack.egg-info"
	writeFiles(t, site, map[string]string{
		"plug_gy/__init__.py":         "x = 1\n",
		info + "/PKG-INFO":            "Metadata-Version: 2.1\nName: plug-gy\nVersion: 1.0.0+repack\nRequires-Python: >=3.6\nLicense: MIT\n        \n        Copyright\n\nThe description.\n",
		info + "/requires.txt":        "attrs>=19\n\n[:python_version < \"3.8\"]\nimportlib-metadata>=0.12\n\n[dev]\npre-commit\n\n[testing:sys_platform == \"win32\"]\ncolorama\n",
		info + "/entry_points.txt":    "[pytest11]\nplug = plug_gy\n",
		info + "/top_level.txt":       "plug_gy\n",
		info + "/installed-files.txt": "../plug_gy/__init__.py\nPKG-INFO\nrequires.txt\n",
	})
	w := rebuilt(t, installed(t, site, info))
	if w.File != "plug_gy-1.0.0+repack-py3-none-any.whl" {
		t.Errorf("file %s", w.File)
	}
	files := readWheel(t, w.Path)
	di := "plug_gy-1.0.0+repack.dist-info/"
	meta := files[di+"METADATA"]
	for _, want := range []string{
		"Provides-Extra: dev\n", "Provides-Extra: testing\n",
		"Requires-Dist: attrs>=19\n",
		"Requires-Dist: importlib-metadata>=0.12; python_version < \"3.8\"\n",
		"Requires-Dist: pre-commit; extra == \"dev\"\n",
		"Requires-Dist: colorama; (sys_platform == \"win32\") and extra == \"testing\"\n",
	} {
		if !strings.Contains(meta, want) {
			t.Errorf("METADATA lacks %q:\n%s", want, meta)
		}
	}
	head, body, _ := strings.Cut(meta, "\n\n")
	if !strings.Contains(head, "Requires-Dist") || body != "The description.\n" {
		t.Errorf("headers not added to the header block:\n%s", meta)
	}
	if !strings.Contains(files[di+"WHEEL"], "Root-Is-Purelib: true\nTag: py3-none-any\n") {
		t.Errorf("WHEEL:\n%s", files[di+"WHEEL"])
	}
	if files["plug_gy/__init__.py"] != "x = 1\n" || files[di+"entry_points.txt"] == "" || files[di+"top_level.txt"] == "" {
		t.Errorf("wheel files: %v", slices.Sorted(maps.Keys(files)))
	}
}

// TestUntaggedExtension: a distribution without a WHEEL file that holds an
// extension module gets the interpreter's tags, not py3-none-any.
func TestUntaggedExtension(t *testing.T) {
	site := t.TempDir()
	info := "yaml_ext-6.0.egg-info"
	writeFiles(t, site, map[string]string{
		"_yaml_ext.cpython-311-x86_64-linux-gnu.so": "\x7fELF",
		info + "/PKG-INFO":                          "Metadata-Version: 2.1\nName: yaml-ext\nVersion: 6.0\n",
		info + "/installed-files.txt":               "../_yaml_ext.cpython-311-x86_64-linux-gnu.so\n",
	})
	w := rebuilt(t, installed(t, site, info))
	if w.File != "yaml_ext-6.0-cp311-cp311-linux_x86_64.whl" {
		t.Errorf("file %s, want the interpreter's tags", w.File)
	}
	if files := readWheel(t, w.Path); !strings.Contains(files["yaml_ext-6.0.dist-info/WHEEL"], "Root-Is-Purelib: false") {
		t.Errorf("WHEEL: %s", files["yaml_ext-6.0.dist-info/WHEEL"])
	}
}

// TestNoFileList: an .egg-info with no file list that no Debian package
// owns cannot be rebuilt, and the error says why.
func TestNoFileList(t *testing.T) {
	site := t.TempDir()
	writeFiles(t, site, map[string]string{"lost-1.0.egg-info/PKG-INFO": "Metadata-Version: 2.1\nName: lost\nVersion: 1.0\n"})
	_, err := rebuild(context.Background(), installed(t, site, "lost-1.0.egg-info"), testInterp, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "no RECORD or installed-files.txt") {
		t.Errorf("rebuild = %v, want an error naming the missing file list", err)
	}
}

// TestRebuildIsStable: the same installed files make the same wheel, so
// its digest (and URL) survives a restart of the index.
func TestRebuildIsStable(t *testing.T) {
	site := t.TempDir()
	writeFiles(t, site, map[string]string{
		"m.py":                     "x = 1\n",
		"m-1.0.dist-info/METADATA": "Metadata-Version: 2.1\nName: m\nVersion: 1.0\n",
		"m-1.0.dist-info/RECORD":   "m.py,,\nm-1.0.dist-info/METADATA,,\n",
	})
	d := installed(t, site, "m-1.0.dist-info")
	if a, b := rebuilt(t, d), rebuilt(t, d); a.SHA256 != b.SHA256 {
		t.Errorf("two rebuilds differ: %s, %s", a.SHA256, b.SHA256)
	}
}

// installed reads the distribution whose metadata directory is info in
// the site directory site.
func installed(t *testing.T, site, info string) dist {
	t.Helper()
	d, err := readDist(site, info)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// rebuilt is d's wheel, rebuilt into a temporary directory.
func rebuilt(t *testing.T, d dist) wheel {
	t.Helper()
	w, err := rebuild(context.Background(), d, testInterp, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return w
}

func TestFileTag(t *testing.T) {
	for _, tc := range []struct {
		tags []string
		want string
	}{
		{[]string{"py3-none-any"}, "py3-none-any"},
		{[]string{"py2-none-any", "py3-none-any"}, "py2.py3-none-any"},
		{[]string{"cp311-cp311-manylinux_2_17_x86_64", "cp311-cp311-manylinux2014_x86_64"}, "cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64"},
		{[]string{"cp311-cp311-linux_x86_64", "cp312-abi3-linux_x86_64"}, "cp311-cp311-linux_x86_64"}, // not a product
	} {
		if got := fileTag(tc.tags); got != tc.want {
			t.Errorf("fileTag(%q) = %q, want %q", tc.tags, got, tc.want)
		}
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{"Typing_Extensions": "typing-extensions", "zope.interface": "zope-interface", "a--b__c": "a-b-c"} {
		if got := normalize(in); got != want {
			t.Errorf("normalize(%q) = %q, want %q", in, got, want)
		}
	}
}
