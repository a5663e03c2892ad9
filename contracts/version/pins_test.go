package version

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

const root = "../.."

func read(t *testing.T, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// The changelog's newest release and the source's Release are one version,
// and that release says what changed.
func TestChangelogNamesTheRelease(t *testing.T) {
	changelog := read(t, ChangelogPath)
	sections := Sections(changelog)
	if len(sections) == 0 || sections[0].Version != Release {
		t.Fatalf("%s: newest release section %+v, want %s (version.Release)", ChangelogPath, sections, Release)
	}
	if _, err := Notes(changelog, Release); err != nil {
		t.Error(err)
	}
	if got, err := ReleaseIn(read(t, SourcePath)); err != nil || got != Release {
		t.Errorf("ReleaseIn(%s) = %q, %v; want %s", SourcePath, got, err, Release)
	}
}

// pinned finds the versions the docs pin this project at: module and
// workflow references (...market-data-contracts...@v0.1.0) and release
// downloads (.../releases/download/v0.1.0/...).
var pinned = regexp.MustCompile(`market-data-contracts(?:/[A-Za-z0-9._/-]*)?@([A-Za-z0-9._-]+)|market-data-contracts/releases/download/([^/\s]+)/|\bcontracts-(v[0-9][^\s]*?)-(?:linux|darwin|windows)-`)

// Every example in the docs pins the current release: none says @main,
// @latest or an older version (moving them all is part of a release).
func TestDocsPinTheRelease(t *testing.T) {
	docs := []string{"README.md", "ci/README.md", "contracts/examples/README.md"}
	pages, _ := filepath.Glob(filepath.Join(root, "contracts", "docs", "*.md"))
	for _, p := range pages {
		if rel, _ := filepath.Rel(root, p); filepath.ToSlash(rel) != ChangelogPath {
			docs = append(docs, filepath.ToSlash(rel))
		}
	}
	workflows, _ := filepath.Glob(filepath.Join(root, ".github", "workflows", "*.yml"))
	for _, w := range workflows {
		rel, _ := filepath.Rel(root, w)
		docs = append(docs, filepath.ToSlash(rel))
	}
	counts := map[string]int{}
	for _, doc := range docs {
		for _, m := range pinned.FindAllStringSubmatch(read(t, doc), -1) {
			v := m[1] + m[2] + m[3]
			counts[doc]++
			if v != Release {
				t.Errorf("%s pins %q: want the release %s (%s)", doc, strings.TrimSpace(m[0]), Release, "see contracts/docs/releases.md")
			}
		}
	}
	if counts["README.md"] < 3 || counts["contracts/docs/releases.md"] == 0 {
		t.Errorf("pins found %v: the README's install, module and workflow examples should pin a release", counts)
	}
}

func TestPinnedFindsPins(t *testing.T) {
	for text, want := range map[string]string{
		"go install github.com/mjdevaccount/market-data-contracts/contracts/cmd/contracts@v0.1.0":   "v0.1.0",
		"dagger call -m github.com/mjdevaccount/market-data-contracts@main demo":                    "main",
		"uses: mjdevaccount/market-data-contracts/.github/workflows/contracts.yml@v0.2.0":           "v0.2.0",
		"https://github.com/mjdevaccount/market-data-contracts/releases/download/v0.1.0/SHA256SUMS": "v0.1.0",
		"install -m 0755 contracts-v0.2.0-rc.1-linux-amd64 ~/.local/bin/contracts":                  "v0.2.0-rc.1",
	} {
		m := pinned.FindStringSubmatch(text)
		if m == nil || m[1]+m[2]+m[3] != want {
			t.Errorf("%q: %v, want %s", text, m, want)
		}
	}
}
