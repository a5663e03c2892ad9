package version

import (
	"reflect"
	"runtime/debug"
	"strings"
	"testing"
)

func TestFromBuild(t *testing.T) {
	vcs := func(rev, modified string) []debug.BuildSetting {
		return []debug.BuildSetting{{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: rev}, {Key: "vcs.modified", Value: modified}}
	}
	sha := "0123456789abcdef0123456789abcdef01234567"
	for _, tc := range []struct {
		name          string
		stamp, commit string
		info          *debug.BuildInfo
		want          string
	}{
		{"stamped by -ldflags", "v0.1.0", sha, &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "v0.1.0 (commit 0123456789ab)"},
		{"stamp wins over go install", "v0.2.0", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}}, "v0.2.0"},
		{"go install @v0.1.0", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0"}}, "v0.1.0"},
		{"go install of a pre-release", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.2.0-rc.1"}}, "v0.2.0-rc.1"},
		{"plain go build in a checkout", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}, Settings: vcs(sha, "false")}, "dev (commit 0123456789ab)"},
		{"go build of an untagged commit (Go 1.24+ pseudo-version)", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.1-0.20261207130500-0123456789ab"}, Settings: vcs(sha, "false")}, "dev (commit 0123456789ab)"},
		{"go build with changes", "", "", &debug.BuildInfo{Main: debug.Module{Version: "v0.1.0+dirty"}, Settings: vcs(sha, "true")}, "dev (commit 0123456789ab, modified)"},
		{"no git information", "", "", &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}, "dev"},
		{"no build information", "", "", nil, "dev"},
	} {
		if got := fromBuild(tc.stamp, tc.commit, tc.info).String(); got != tc.want {
			t.Errorf("%s: %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestIsRelease(t *testing.T) {
	for v, want := range map[string]bool{
		"v0.1.0": true, "v1.20.3": true, "v0.2.0-rc.1": true,
		"0.1.0": false, "v0.1": false, "v1": false, "v0.1.0+dirty": false, "(devel)": false, "": false, "dev": false,
		"v0.0.0-20261207130500-0123456789ab": false, "v0.1.1-0.20261207130500-0123456789ab": false,
	} {
		if got := IsRelease(v); got != want {
			t.Errorf("IsRelease(%q) = %v, want %v", v, got, want)
		}
	}
}

func TestReleaseIsARelease(t *testing.T) {
	if !IsRelease(Release) {
		t.Errorf("Release %q is not a release tag", Release)
	}
	if got := Module(); got.Version != Release || got.String() != Release {
		t.Errorf("Module() = %+v, want %s", got, Release)
	}
}

func TestLDFlags(t *testing.T) {
	const want = "-s -w -X github.com/mjdevaccount/market-data-contracts/contracts/version.Stamp=v0.1.0 -X github.com/mjdevaccount/market-data-contracts/contracts/version.Commit=abc"
	if got := LDFlags("v0.1.0", "abc"); got != want {
		t.Errorf("LDFlags = %q, want %q", got, want)
	}
	if got := LDFlags("v0.1.0", ""); got != "-s -w -X "+Path+".Stamp=v0.1.0" {
		t.Errorf("LDFlags without commit = %q", got)
	}
}

func TestPathIsThisPackage(t *testing.T) {
	if got := reflect.TypeOf(Info{}).PkgPath(); got != Path {
		t.Errorf("Path = %q, but this package is %q: -ldflags -X would stamp nothing", Path, got)
	}
}

func TestChangelogSections(t *testing.T) {
	const changelog = "# Changelog\n\nintro\n\n## Unreleased\n\n- next\n\n## v0.2.0 (2027-01-02)\n\n- two\n- more\n\n## v0.1.0\n\n## v0.0.9 (yanked)\nnine\n"
	got := Sections(changelog)
	if len(got) != 3 || got[0].Version != "v0.2.0" || got[0].Heading != "v0.2.0 (2027-01-02)" || got[0].Body != "- two\n- more" || got[1].Body != "" || got[2].Body != "nine" {
		t.Fatalf("Sections = %+v", got)
	}
	if notes, err := Notes(changelog, "v0.2.0"); err != nil || notes != "- two\n- more\n" {
		t.Errorf("Notes(v0.2.0) = %q, %v", notes, err)
	}
	for tag, want := range map[string]string{"v0.1.0": "is empty", "v0.3.0": `no section "## v0.3.0"`, "Unreleased": "no section"} {
		if _, err := Notes(changelog, tag); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Notes(%s): %v, want %q", tag, err, want)
		}
	}
}

func TestReleaseIn(t *testing.T) {
	if got, err := ReleaseIn("package version\n\nconst (\n\tOther = \"x\"\n\tRelease = \"v1.2.3\"\n)\n"); err != nil || got != "v1.2.3" {
		t.Errorf("ReleaseIn = %q, %v", got, err)
	}
	for _, src := range []string{"package version\n\nvar Release = \"v1\"\n", "package version\n\nconst Release = 3\n", "not go"} {
		if _, err := ReleaseIn(src); err == nil {
			t.Errorf("ReleaseIn(%q) accepted", src)
		}
	}
}
