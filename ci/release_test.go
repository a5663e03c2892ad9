package main

import (
	"archive/zip"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"dagger/market-data-contracts/enginetest"
	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

const releaseCommit = "0123456789abcdef0123456789abcdef01234567"

// releaseEngine answers what Release asks: the source's files (from the
// withNewFile calls that built it), the engine's platform, and the
// self-check's output.
type releaseEngine struct {
	e        *enginetest.Engine
	platform string
	selfOut  string
}

func (r *releaseEngine) resolve(c enginetest.Chain) (any, error) {
	switch leaf := c.Leaf().Name; {
	case leaf == "defaultPlatform":
		return r.platform, nil
	case leaf == "contents" && c[len(c)-2].Name == "file" && c[0].Name == "directory":
		path := c[len(c)-2].Str("path")
		for _, f := range c[1 : len(c)-2] {
			if f.Name == "withNewFile" && f.Str("path") == path {
				return f.Str("contents"), nil
			}
		}
		return nil, fmt.Errorf("%s: no such file or directory", path)
	case leaf == "stdout":
		return r.selfOut, nil
	}
	return nil, fmt.Errorf("fake engine: no answer for %s", c)
}

func useReleaseEngine(t *testing.T) *releaseEngine {
	r := &releaseEngine{platform: "linux/amd64", selfOut: "market-data-contracts " + version.Release + " (commit 0123456789ab) linux/amd64 go1.26.8\n"}
	r.e = enginetest.Use(t, r.resolve)
	return r
}

// sourceDir is this repository's own version.go and CHANGELOG as a
// Directory, optionally edited.
func sourceDir(t *testing.T, edit func(path, text string) string) (src string, changelog string) {
	t.Helper()
	read := func(rel string) string {
		data, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(rel)))
		if err != nil {
			t.Fatal(err)
		}
		if edit != nil {
			return edit(rel, string(data))
		}
		return string(data)
	}
	return read(version.SourcePath), read(version.ChangelogPath)
}

func releaseSourceDir(t *testing.T, edit func(path, text string) string) (*dagger.Directory, string) {
	src, changelog := sourceDir(t, edit)
	return dag.Directory().WithNewFile(version.SourcePath, src).WithNewFile(version.ChangelogPath, changelog), changelog
}

// TestReleaseBuildsEveryPlatform: one cross build per platform, each from
// the module's image with the pinned toolchain, stamped through -ldflags;
// SHA256SUMS by sha256sum over exactly those binaries; NOTES.md from the
// CHANGELOG; the engine's own binary run and checked.
func TestReleaseBuildsEveryPlatform(t *testing.T) {
	r := useReleaseEngine(t)
	ctx := context.Background()
	source, changelog := releaseSourceDir(t, nil)
	m := newModule(t)
	dist, err := m.Release(ctx, version.Release, releaseCommit, source)
	if err != nil {
		t.Fatal(err)
	}
	id, err := dist.ID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chain, _ := r.e.Object(string(id))
	var names []string
	files, notes := map[string]enginetest.Chain{}, false
	for _, f := range chain[1:] {
		switch f.Name {
		case "withFile":
			obj, ok := r.e.Object(f.Str("source"))
			if !ok {
				t.Fatalf("withFile of an unknown file %v", f.Args)
			}
			if f.Str("path") == notesFile {
				staged, err := enginetest.Files(obj[:len(obj)-1])
				if want, _ := version.Notes(changelog, version.Release); err != nil || string(staged[notesFile]) != want || want == "" {
					t.Errorf("NOTES.md = %q (%v), want the CHANGELOG's section %q, staged byte for byte", staged[notesFile], err, want)
				}
				notes = true
				continue
			}
			files[f.Str("path")] = obj
			names = append(names, f.Str("path"))
		default:
			t.Errorf("release directory built with %s", f.Name)
		}
	}
	want := []string{
		"contracts-" + version.Release + "-linux-amd64", "contracts-" + version.Release + "-linux-arm64",
		"contracts-" + version.Release + "-darwin-amd64", "contracts-" + version.Release + "-darwin-arm64",
		"contracts-" + version.Release + "-windows-amd64.exe", checksumsFile,
	}
	if !slices.Equal(names, want) || !notes {
		t.Fatalf("release files %v (NOTES.md: %v), want %v and NOTES.md", names, notes, want)
	}
	for _, name := range want[:5] {
		checkCrossBuild(t, r.e, m, files[name], name)
	}
	sums := files[checksumsFile]
	exec := sums[sums.Index("withExec")[len(sums.Index("withExec"))-1]]
	if argv := exec.Strings("args"); !slices.Equal(argv, append([]string{"sha256sum", "--"}, want[:5]...)) || exec.Str("redirectStdout") != "/tmp/"+checksumsFile {
		t.Errorf("checksums made by %v (stdout to %q)", argv, exec.Str("redirectStdout"))
	}
	checks := r.e.Leaves("stdout")
	if len(checks) != 1 {
		t.Fatalf("%d self-checks, want 1", len(checks))
	}
	if argv := checks[0][len(checks[0])-2].Strings("args"); !slices.Equal(argv, []string{"/out/contracts-" + version.Release + "-linux-amd64", "version"}) {
		t.Errorf("self-check ran %v, want the engine platform's binary's version", argv)
	}
}

// checkCrossBuild checks the chain of one binary: image, toolchain, caches,
// source, GOOS/GOARCH, the stamped go build.
func checkCrossBuild(t *testing.T, e *enginetest.Engine, m *MarketDataContracts, c enginetest.Chain, name string) {
	t.Helper()
	if c[0].Name != "container" || c[1].Name != "from" || c[1].Str("address") != m.Image {
		t.Errorf("%s: built in %s, want container.from(%s)", name, c[:2], m.Image)
	}
	zip := ""
	env := map[string]string{}
	var builds [][]string
	for _, f := range c {
		switch f.Name {
		case "withMountedFile":
			if f.Str("path") == "/tmp/go.zip" {
				obj, _ := e.Object(f.Str("source"))
				zip = obj.String()
			}
		case "withEnvVariable":
			env[f.Str("name")] = f.Str("value")
		case "withExec":
			builds = append(builds, f.Strings("args"))
		}
	}
	if want := `http{"checksum":"` + goToolchainZips["linux/amd64"] + `","url":"https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-go1.26.8.linux-amd64.zip"}`; zip != want {
		t.Errorf("%s: toolchain %s, want %s", name, zip, want)
	}
	platform := strings.TrimSuffix(strings.TrimPrefix(name, "contracts-"+version.Release+"-"), ".exe")
	goos, goarch, _ := strings.Cut(platform, "-")
	if env["GOOS"] != goos || env["GOARCH"] != goarch || env["CGO_ENABLED"] != "0" || env["GOTOOLCHAIN"] != "local" || !strings.Contains(env["GOFLAGS"], "-trimpath") {
		t.Errorf("%s: environment %v", name, env)
	}
	wantBuild := []string{"go", "build", "-ldflags", version.LDFlags(version.Release, releaseCommit), "-o", "/out/" + name, "./contracts/cmd/contracts"}
	if len(builds) != 2 || builds[0][0] != "python3" || !slices.Equal(builds[1], wantBuild) {
		t.Errorf("%s: execs %q, want the toolchain unpacked, then %q", name, builds, wantBuild)
	}
	if i := c.Index("withMountedDirectory"); len(i) != 1 || c[i[0]].Str("path") != "/src" {
		t.Errorf("%s: source not mounted at /src: %s", name, c)
	}
	if n := len(c.Index("withMountedCache")); n != 2 {
		t.Errorf("%s: %d cache volumes, want the module and build caches", name, n)
	}
}

func TestReleaseRefuses(t *testing.T) {
	for _, tc := range []struct {
		name, tag, commit string
		edit              func(path, text string) string
		platform, selfOut string
		want              string
	}{
		{name: "not a tag", tag: "main", want: `--tag "main": want a release tag`},
		{name: "short version", tag: "v0.1", want: "want a release tag"},
		{name: "short commit", tag: version.Release, commit: "0123abc", want: "--commit"},
		{name: "another version than the source's", tag: "v9.9.9", want: "--tag v9.9.9, but the source declares " + version.Release},
		{name: "no CHANGELOG section", tag: "v9.9.9", edit: func(path, text string) string {
			return strings.Replace(text, `const Release = "`+version.Release+`"`, `const Release = "v9.9.9"`, 1)
		}, want: `has no section "## v9.9.9"`},
		{name: "engine platform without a pinned toolchain", tag: version.Release, platform: "linux/s390x", want: "no Go toolchain pinned for an engine on linux/s390x"},
		{name: "binary reports another version", tag: version.Release, selfOut: "market-data-contracts dev linux/amd64 go1.26.8\n", want: "version printed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := useReleaseEngine(t)
			if tc.platform != "" {
				r.platform = tc.platform
			}
			if tc.selfOut != "" {
				r.selfOut = tc.selfOut
			}
			source, _ := releaseSourceDir(t, tc.edit)
			_, err := newModule(t).Release(context.Background(), tc.tag, tc.commit, source)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Release: %v, want an error containing %q", err, tc.want)
			}
		})
	}
}

// TestUnzipToolchain runs the release's unzip script with python3 on a
// toolchain-shaped zip: files land under the GOROOT with their modes, and
// an entry that would land outside it (absolute, or climbing out) fails
// the unpacking, naming it.
func TestUnzipToolchain(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	dir := t.TempDir()
	script := filepath.Join(dir, unzipScript)
	if err := os.WriteFile(script, []byte(unzipToolchain), 0o644); err != nil {
		t.Fatal(err)
	}
	unzip := func(names ...string) (string, string, error) {
		zipPath := filepath.Join(dir, fmt.Sprintf("go-%d.zip", len(names)))
		f, err := os.Create(zipPath)
		if err != nil {
			t.Fatal(err)
		}
		z := zip.NewWriter(f)
		for _, n := range names {
			h := &zip.FileHeader{Name: n, Method: zip.Store}
			h.SetMode(0o755)
			w, err := z.CreateHeader(h)
			if err != nil {
				t.Fatal(err)
			}
			fmt.Fprint(w, n)
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		root := filepath.Join(t.TempDir(), "go")
		out, err := exec.Command(python, script, zipPath, root).CombinedOutput()
		return root, string(out), err
	}
	root, out, err := unzip("golang.org/toolchain@v0.0.1-go1.24.0.linux-amd64/bin/go")
	if err != nil {
		t.Fatalf("unzip: %v\n%s", err, out)
	}
	if info, err := os.Stat(filepath.Join(root, "bin", "go")); err != nil || info.Mode().Perm() != 0o755 {
		t.Errorf("bin/go: %v %v, want mode 0755", info, err)
	}
	for _, evil := range []string{"golang.org/toolchain@v//tmp/x", "golang.org/toolchain@v/../x", "golang.org/toolchain@v/bin/../../x"} {
		if _, out, err := unzip("golang.org/toolchain@v/bin/go", evil); err == nil || !strings.Contains(out, "refusing '"+evil+"'") {
			t.Errorf("%s: %v, want a refusal naming it\n%s", evil, err, out)
		}
	}
}
