package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"testing/fstest"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// goToolchain is the Go release that builds the release binaries: the
// official toolchain as the Go module proxy serves it (module
// golang.org/toolchain, the zips the go command itself downloads when it
// switches toolchains), one zip per engine platform, pinned by SHA-256.
// No Go image is needed: any Debian-based image with Python unpacks it.
const goToolchain = "go1.26.8"

// goToolchainZips are the toolchain zips' digests by engine platform.
var goToolchainZips = map[string]string{
	"linux/amd64": "sha256:30c2b1bf7dcc88d3eb0a1364e47ddd9128edb3110a30e8a0ef61cd5856b31de7",
	"linux/arm64": "sha256:02b36b6787b3ac767668f630e2998df45a3b1f9ffee08d1bf3ef6487cd658d99",
}

// Paths and volumes of the build container.
const (
	goRoot        = "/usr/local/go"
	goModCache    = "/go/pkg/mod"
	goBuildCache  = "/root/.cache/go-build"
	releaseSource = "/src"
	releaseOut    = "/out"
	goModKey      = "market-data-contracts:go-mod"
	goBuildKey    = "market-data-contracts:go-build"
	checksumsFile = "SHA256SUMS"
	notesFile     = "NOTES.md"
	unzipScript   = "unzip_toolchain.py"
)

// unzipToolchain unpacks a golang.org/toolchain module zip into a GOROOT,
// dropping the zip's "golang.org/toolchain@VERSION/" prefix and keeping
// each file's mode; a name that would land outside the GOROOT (absolute,
// or climbing out with "..") fails it.
const unzipToolchain = `import os, sys, zipfile
src, dst = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(src) as z:
    for info in z.infolist():
        name = info.filename.split("/", 2)[-1]
        if info.is_dir() or not name:
            continue
        path = os.path.normpath(os.path.join(dst, name))
        if os.path.isabs(name) or not path.startswith(os.path.join(dst, "")):
            sys.exit("refusing %r: outside %s" % (info.filename, dst))
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with z.open(info) as r, open(path, "wb") as w:
            w.write(r.read())
        os.chmod(path, (info.external_attr >> 16) & 0o777 or 0o644)
`

// Release builds the host CLI (contracts/cmd/contracts) for linux/amd64,
// linux/arm64, darwin/amd64, darwin/arm64 and windows/amd64, stamped with
// the tag (so `contracts version` prints it), and returns the binaries
// (contracts-TAG-OS-ARCH, .exe on Windows), SHA256SUMS (sha256sum's
// format: `sha256sum -c SHA256SUMS`) and NOTES.md (the tag's CHANGELOG
// section). The tag must be the version the source declares
// (contracts/version.Release) and have a CHANGELOG section. The binary for
// the engine's own platform is run once, and must report the tag. Export
// it: `release --tag=v0.1.0 export --path=dist`.
func (m *MarketDataContracts) Release(
	ctx context.Context,
	// The release tag, vMAJOR.MINOR.PATCH: the source's contracts/version.Release, with a section in contracts/docs/CHANGELOG.md
	tag string,
	// The full commit SHA the tag points at, recorded in the binaries
	// +optional
	commit string,
	// The repository to build (default: this module's own source tree)
	// +defaultPath="/"
	// +ignore=["*", "!go.mod", "!go.sum", "!contracts/**"]
	source *dagger.Directory,
) (*dagger.Directory, error) {
	notes, err := checkRelease(ctx, source, tag, commit)
	if err != nil {
		return nil, err
	}
	platform, err := dag.DefaultPlatform(ctx)
	if err != nil {
		return nil, err
	}
	own, err := stageFS(fstest.MapFS{unzipScript: {Data: []byte(unzipToolchain)}, notesFile: {Data: []byte(notes)}})
	if err != nil {
		return nil, err
	}
	builder, err := m.goBuilder(string(platform), own.File(unzipScript))
	if err != nil {
		return nil, err
	}
	builder = builder.WithMountedDirectory(releaseSource, source).WithWorkdir(releaseSource)
	dist := dag.Directory()
	var names []string
	for _, p := range version.Platforms {
		name := binaryName(tag, p)
		names = append(names, name)
		dist = dist.WithFile(name, crossBuild(builder, p, tag, commit, name))
	}
	sums := builder.
		WithMountedDirectory(releaseOut, dist).WithWorkdir(releaseOut).
		WithExec(append([]string{"sha256sum", "--"}, names...), dagger.ContainerWithExecOpts{RedirectStdout: "/tmp/" + checksumsFile}).
		File("/tmp/" + checksumsFile)
	dist = dist.WithFile(checksumsFile, sums, dagger.DirectoryWithFileOpts{Permissions: 0o644}).WithFile(notesFile, own.File(notesFile))
	if err := selfCheck(ctx, builder, dist, binaryName(tag, string(platform)), tag); err != nil {
		return nil, err
	}
	return dist, nil
}

// checkRelease refuses a tag that is not a release version, is not the
// one the source declares or has no CHANGELOG section, and a commit that
// is not a full SHA; it returns the tag's release notes.
func checkRelease(ctx context.Context, source *dagger.Directory, tag, commit string) (string, error) {
	if !version.IsRelease(tag) {
		return "", fmt.Errorf("--tag %q: want a release tag vMAJOR.MINOR.PATCH (optionally -PRERELEASE)", tag)
	}
	if commit != "" && !refs.IsFullSHA(commit) {
		return "", fmt.Errorf("--commit %q: want a full 40-hex commit SHA", commit)
	}
	src, err := source.File(version.SourcePath).Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("--source: %s: %w", version.SourcePath, err)
	}
	declared, err := version.ReleaseIn(src)
	if err != nil {
		return "", fmt.Errorf("--source: %w", err)
	}
	if declared != tag {
		return "", fmt.Errorf("--tag %s, but the source declares %s (%s: Release): the release commit sets it, and the tag goes on that commit", tag, declared, version.SourcePath)
	}
	changelog, err := source.File(version.ChangelogPath).Contents(ctx)
	if err != nil {
		return "", fmt.Errorf("--source: %s: %w", version.ChangelogPath, err)
	}
	return version.Notes(changelog, tag)
}

// goBuilder is the module's image with Go's official toolchain for the
// engine's platform unpacked at /usr/local/go (by python3 running
// unzipToolchain), and the module download and build caches as volumes.
// Builds are reproducible: cgo off, -trimpath, no VCS stamping (the
// version comes from -ldflags), the toolchain pinned.
func (m *MarketDataContracts) goBuilder(platform string, unzip *dagger.File) (*dagger.Container, error) {
	sum, ok := goToolchainZips[platform]
	if !ok {
		return nil, fmt.Errorf("release: no Go toolchain pinned for an engine on %s (have %s)", platform, strings.Join(slices.Sorted(maps.Keys(goToolchainZips)), ", "))
	}
	zip := dag.HTTP(toolchainURL(platform), dagger.HTTPOpts{Checksum: sum})
	return dag.Container().From(m.Image).
		WithMountedFile("/tmp/go.zip", zip).
		WithMountedFile("/tmp/"+unzipScript, unzip).
		WithExec([]string{"python3", "/tmp/" + unzipScript, "/tmp/go.zip", goRoot}).
		WithoutMount("/tmp/go.zip").WithoutMount("/tmp/"+unzipScript).
		WithEnvVariable("PATH", goRoot+"/bin:${PATH}", dagger.ContainerWithEnvVariableOpts{Expand: true}).
		WithEnvVariable("GOTOOLCHAIN", "local").
		WithEnvVariable("CGO_ENABLED", "0").
		WithEnvVariable("GOFLAGS", "-mod=readonly -trimpath -buildvcs=false").
		WithEnvVariable("GOMODCACHE", goModCache).
		WithEnvVariable("GOCACHE", goBuildCache).
		WithMountedCache(goModCache, dag.CacheVolume(goModKey)).
		WithMountedCache(goBuildCache, dag.CacheVolume(goBuildKey)), nil
}

// toolchainURL is the Go module proxy's zip of goToolchain for platform.
func toolchainURL(platform string) string {
	return fmt.Sprintf("https://proxy.golang.org/golang.org/toolchain/@v/v0.0.1-%s.%s.zip", goToolchain, strings.ReplaceAll(platform, "/", "-"))
}

// crossBuild builds the CLI for platform ("GOOS/GOARCH") and returns the
// binary.
func crossBuild(builder *dagger.Container, platform, tag, commit, name string) *dagger.File {
	goos, goarch, _ := strings.Cut(platform, "/")
	out := releaseOut + "/" + name
	return builder.
		WithEnvVariable("GOOS", goos).WithEnvVariable("GOARCH", goarch).
		WithExec([]string{"go", "build", "-ldflags", version.LDFlags(tag, commit), "-o", out, "./contracts/cmd/contracts"}).
		File(out)
}

// binaryName is contracts-TAG-OS-ARCH, with .exe for Windows.
func binaryName(tag, platform string) string {
	name := "contracts-" + tag + "-" + strings.ReplaceAll(platform, "/", "-")
	if strings.HasPrefix(platform, "windows/") {
		name += ".exe"
	}
	return name
}

// selfCheck runs the binary built for the engine's platform and checks
// that it reports the tag.
func selfCheck(ctx context.Context, builder *dagger.Container, dist *dagger.Directory, name, tag string) error {
	out, err := builder.WithMountedDirectory(releaseOut, dist).
		WithExec([]string{releaseOut + "/" + name, "version"}).
		Stdout(ctx)
	if err != nil {
		return fmt.Errorf("release: running %s: %w", name, err)
	}
	if want := version.Name + " " + tag + " "; !strings.HasPrefix(out, want) {
		return fmt.Errorf("release: %s version printed %q, want it to start with %q", name, strings.TrimSpace(out), want)
	}
	return nil
}
