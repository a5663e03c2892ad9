// Package version says which release of market-data-contracts a binary,
// the Dagger module or a report comes from.
//
// A release is a git tag vX.Y.Z on a commit whose Release constant (and
// newest CHANGELOG section, contracts/docs/CHANGELOG.md) names it. Binaries
// learn their version in one of three ways, first match wins:
//
//  1. stamped at build time, as the release function (and anyone) does:
//     go build -ldflags "-X github.com/mjdevaccount/market-data-contracts/contracts/version.Stamp=v0.1.0"
//  2. built by `go install ...@v0.1.0`: the Go command records the module
//     version in the binary (debug.ReadBuildInfo);
//  3. otherwise a development build: "dev", with the commit when the Go
//     command recorded one (a plain `go build` in a git checkout).
//
// The Dagger module is compiled by the engine from the module's source,
// with neither a stamp nor git information: it reports the release its
// source declares (Module).
package version

import (
	"fmt"
	"runtime/debug"
	"strings"

	"golang.org/x/mod/module"
	"golang.org/x/mod/semver"
)

// Release is the release this source tree is: the newest section of
// contracts/docs/CHANGELOG.md. A release commit sets both; the tag is made
// on that commit (the release function refuses a tag that differs).
const Release = "v0.1.0"

// Name is the tool's name in reports and in `contracts version`.
const Name = "market-data-contracts"

// Path is the Go import path of this package, for -ldflags -X.
const Path = "github.com/mjdevaccount/market-data-contracts/contracts/version"

// Platforms are the GOOS/GOARCH pairs a release ships the host CLI for.
// On Windows it reads reports, notifies and says its version; running
// suites needs Linux or macOS (see contracts/cmd/contracts).
var Platforms = []string{"linux/amd64", "linux/arm64", "darwin/amd64", "darwin/arm64", "windows/amd64"}

// Stamp and Commit are set at build time with -ldflags -X (see LDFlags);
// empty otherwise.
var (
	// Stamp is the release tag the binary was built from.
	Stamp string
	// Commit is the full commit SHA it was built from.
	Commit string
)

// Info is where a version came from.
type Info struct {
	// Version is a release tag ("v0.1.0") or "dev".
	Version string
	// Commit is the commit the binary was built from, when known.
	Commit string
	// Modified is set when the checkout had uncommitted changes.
	Modified bool
}

// String is "v0.1.0", "v0.1.0 (commit 0123456789ab)", "dev (commit
// 0123456789ab, modified)" or "dev".
func (i Info) String() string {
	var extra []string
	if i.Commit != "" {
		extra = append(extra, "commit "+short(i.Commit))
	}
	if i.Modified {
		extra = append(extra, "modified")
	}
	if len(extra) == 0 {
		return i.Version
	}
	return fmt.Sprintf("%s (%s)", i.Version, strings.Join(extra, ", "))
}

// Get is this binary's version (see the package doc for the order).
func Get() Info {
	info, _ := debug.ReadBuildInfo()
	return fromBuild(Stamp, Commit, info)
}

// String is Get().Version: the version reports carry.
func String() string { return Get().Version }

// Module is the Dagger module's version: the release its source declares.
// The module is compiled by the engine without a stamp or git information,
// so its source is all it knows; at a commit after a release's tag (a
// module called at @main) the source may be newer than that release.
func Module() Info { return Info{Version: Release} }

// fromBuild decides the version from a stamp and the Go command's build
// information (nil when there is none).
func fromBuild(stamp, commit string, info *debug.BuildInfo) Info {
	if stamp != "" {
		return Info{Version: stamp, Commit: commit}
	}
	if info != nil && IsRelease(info.Main.Version) {
		return Info{Version: info.Main.Version}
	}
	dev := Info{Version: "dev"}
	if info != nil {
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				dev.Commit = s.Value
			case "vcs.modified":
				dev.Modified = s.Value == "true"
			}
		}
	}
	return dev
}

// IsRelease reports whether v is a release tag: canonical semantic
// version "vMAJOR.MINOR.PATCH" with an optional pre-release, no build
// metadata (the Go command's "+dirty"), and not a Go pseudo-version (what
// a build of an untagged commit records).
func IsRelease(v string) bool {
	return semver.IsValid(v) && semver.Canonical(v) == v && !module.IsPseudoVersion(v)
}

// LDFlags are the -ldflags that stamp a binary with tag and commit
// (commit may be empty), plus -s -w (no symbol table or DWARF: smaller
// release binaries).
func LDFlags(tag, commit string) string {
	flags := fmt.Sprintf("-s -w -X %s.Stamp=%s", Path, tag)
	if commit != "" {
		flags += fmt.Sprintf(" -X %s.Commit=%s", Path, commit)
	}
	return flags
}

func short(sha string) string {
	if len(sha) > 12 {
		return sha[:12]
	}
	return sha
}
