package main

// End-to-end tests of sharding: the example ecosystem run whole, then as
// shards (--shard=K/N), then the shards' reports merged (contracts merge),
// with real git, pip and pytest. The merged reports must be the unsharded
// run's reports.

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestShardsMergeIntoTheUnshardedRun: the example ecosystem against Core
// v1.2.0 and v2.0.0 (a compatibility matrix) with the v1.1.0 baseline
// (comparisons, regressions, readiness), run whole and as two shards split
// by the whole run's durations; the shards merged write the same files as
// the whole run, equal once run times are normalised (see normalise), and
// exit as it did.
func TestShardsMergeIntoTheUnshardedRun(t *testing.T) {
	args := []string{"--core-ref", "v1.2.0,v2.0.0", "--baseline-ref", "v1.1.0"}
	whole := t.TempDir()
	code, stdout, stderr := demo(t, whole, args...)
	if code != exitBroken {
		t.Fatalf("whole run: exit %d, want 1 (v2.0.0 breaks pipeline and store)\n%s\n%s", code, stdout, stderr)
	}
	durations := filepath.Join(whole, "summary.json")
	shards := runShards(t, 2, func(out, spec string) (int, string, string) {
		return demo(t, out, append(args, "--shard", spec, "--shard-durations", durations)...)
	})
	merged := filepath.Join(t.TempDir(), "merged")
	mcode, mout, merr := cli(t, append([]string{"merge", "--out", merged}, reversed(shards)...)...)
	if mcode != code || headline(mout) != headline(stdout) {
		t.Fatalf("merge: exit %d %q, want the whole run's %d %q\n%s", mcode, headline(mout), code, headline(stdout), merr)
	}
	sameReports(t, merged, whole, shards)
	if again, text, _ := cli(t, "report", "--from", merged); again != code || headline(text) != headline(stdout) {
		t.Errorf("report --from the merged reports: exit %d, %q", again, headline(text))
	}
}

// TestShardedBisectMerges: the example history bisected whole and as two
// shards split by count (pipeline and orchestrator; store): merged, the
// same bisection, culprit probe reports included.
func TestShardedBisectMerges(t *testing.T) {
	code, stdout, _, _, whole := demoBisect(t)
	if code != exitOK {
		t.Fatalf("whole bisection: exit %d\n%s", code, stdout)
	}
	shards := runShards(t, 2, func(out, spec string) (int, string, string) {
		return cli(t, "demo-bisect", "--offline", "--cache-dir", cache, "--out", out, "--jobs", "3", "--shard", spec)
	})
	for k, want := range [][]string{{"pipeline", "orchestrator"}, {"store"}} {
		if got := assigned(t, shards[k]); !slices.Equal(got, want) {
			t.Errorf("shard %d/2 of the bisection holds %v, want %v", k+1, got, want)
		}
	}
	merged := filepath.Join(t.TempDir(), "merged")
	mcode, mout, merr := cli(t, "merge", "--out", merged, shards[0], shards[1])
	if found := lineWith(stdout, "BISECTED "); mcode != code || found == "" || lineWith(mout, "BISECTED ") != found {
		t.Fatalf("merge: exit %d %q, want the whole bisection's %d %q\n%s", mcode, lineWith(mout, "BISECTED "), code, found, merr)
	}
	sameReports(t, merged, whole, shards)
}

// runShards runs shards 1/n..n/n with run (given the output directory and
// "K/n") and returns their report directories.
func runShards(t *testing.T, n int, run func(out, spec string) (int, string, string)) []string {
	t.Helper()
	var dirs []string
	for k := 1; k <= n; k++ {
		out := t.TempDir()
		spec := fmt.Sprintf("%d/%d", k, n)
		code, stdout, stderr := run(out, spec)
		if code == exitUsage || !strings.Contains(stdout, "shard "+spec+": ") {
			t.Fatalf("shard %s: exit %d; the terminal does not say which shard it ran\n%s\n%s", spec, code, stdout, stderr)
		}
		dirs = append(dirs, out)
	}
	return dirs
}

// lineWith is the first line of text starting with prefix.
func lineWith(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

func reversed(s []string) []string {
	out := slices.Clone(s)
	slices.Reverse(out)
	return out
}

// assigned reads the downstreams a shard's summary.json says it ran.
func assigned(t *testing.T, dir string) []string {
	t.Helper()
	var doc struct {
		Shard struct {
			Assigned []string `json:"assigned"`
		} `json:"shard"`
	}
	if err := json.Unmarshal([]byte(readFile(t, filepath.Join(dir, "summary.json"))), &doc); err != nil {
		t.Fatal(err)
	}
	return doc.Shard.Assigned
}

// sameReports: merged holds exactly the files whole holds, each equal to
// whole's once normalised, except the logs: they are each shard's own
// output (commands' timings, temporary directories), so a merged log must
// be byte for byte the log of the shard that ran the suite.
func sameReports(t *testing.T, merged, whole string, shards []string) {
	t.Helper()
	got, want := tree(t, merged), tree(t, whole)
	if !slices.Equal(got, want) {
		t.Fatalf("merged reports hold\n%s\nthe whole run's\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, rel := range got {
		m := readFile(t, filepath.Join(merged, rel))
		if strings.HasPrefix(rel, "logs/") {
			if !slices.ContainsFunc(shards, func(s string) bool { b, err := os.ReadFile(filepath.Join(s, rel)); return err == nil && string(b) == m }) {
				t.Errorf("%s is not the log of the shard that ran it", rel)
			}
			continue
		}
		if g, w := normalise(rel, m), normalise(rel, readFile(t, filepath.Join(whole, rel))); g != w {
			t.Errorf("%s differs from the whole run's (normalised):\n%s", rel, firstDifference(g, w))
		}
	}
	if strings.Contains(readFile(t, filepath.Join(merged, "summary.json")), `"shard"`) {
		t.Error("the merged summary.json still carries a shard key")
	}
}

// tree lists the files under dir, relative, sorted.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, e fs.DirEntry, err error) error {
		if err == nil && !e.IsDir() {
			rel, _ := filepath.Rel(dir, p)
			out = append(out, filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

var (
	jsonTimes  = regexp.MustCompile(`"(started|finished|duration_seconds)": [^,\n]+`)
	xmlTimes   = regexp.MustCompile(` time="[^"]*"`)
	mdStarted  = regexp.MustCompile(` · started .* · took .*`)
	mdDuration = regexp.MustCompile(`\| [0-9.]+(ms|s|m[0-9]+s|h[0-9]+m[0-9]+s) \|`)
	workDir    = regexp.MustCompile(`/contracts-work-[0-9]+/`)
)

// normalise blanks what two runs of the same suites cannot share, and
// nothing else: when the run started and ended, and how long each suite
// and test case took (summary.json's started, finished and
// duration_seconds; JUnit time attributes; summary.md's "started ... took"
// and its duration column), and the host runner's work directory, which
// every run makes anew under a random name (pytest quotes its path in
// skip messages). Verdicts, counts, SHAs, cases, messages,
// classifications, readiness, the matrix and the bisection must be equal.
func normalise(rel, s string) string {
	s = workDir.ReplaceAllString(s, "/contracts-work-N/")
	switch {
	case strings.HasSuffix(rel, ".json"):
		return jsonTimes.ReplaceAllString(s, `"$1": T`)
	case strings.HasSuffix(rel, ".xml"):
		return xmlTimes.ReplaceAllString(s, ` time="T"`)
	case strings.HasSuffix(rel, ".md"):
		return mdDuration.ReplaceAllString(mdStarted.ReplaceAllString(s, " · started T"), "| T |")
	}
	return s
}

// firstDifference shows the first line where a and b differ.
func firstDifference(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	for i := range max(len(al), len(bl)) {
		x, y := "<end>", "<end>"
		if i < len(al) {
			x = al[i]
		}
		if i < len(bl) {
			y = bl[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n merged: %s\n  whole: %s", i+1, x, y)
		}
	}
	return ""
}

// TestShardUsage: a bad K/N is a usage error naming the value; durations
// need a shard and a readable summary.json; merge needs shard
// directories and an output directory that is none of them.
func TestShardUsage(t *testing.T) {
	bogus := filepath.Join(t.TempDir(), "summary.json")
	if err := os.WriteFile(bogus, []byte(`{"schema": "someone-else/v9"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	shard := t.TempDir()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"run", "--shard", "3/2"}, `--shard "3/2": K must be within 1..2`},
		{[]string{"demo", "--shard", "1of2"}, `--shard "1of2": want K/N`},
		{[]string{"bisect", "--good", "v1", "--bad", "v2", "--shard", "0/1"}, `--shard "0/1": K must be within 1..1`},
		{[]string{"run", "--shard-durations", bogus}, "--shard-durations needs --shard"},
		{[]string{"run", "--shard", "1/2", "--shard-durations", bogus}, `schema "someone-else/v9"`},
		{[]string{"run", "--shard", "1/2", "--shard-durations", filepath.Join(shard, "none.json")}, "none.json: no such file"},
		{[]string{"merge", "--out", shard}, "no shard report directory given"},
		{[]string{"merge", "--out", shard, shard}, "is one of the shard directories"},
		{[]string{"merge", "--out", filepath.Join(t.TempDir(), "m"), shard}, "summary.json"},
	} {
		code, _, stderr := cli(t, tc.args...)
		if code != exitUsage || !strings.Contains(stderr, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, stderr, tc.want)
		}
	}
}

// TestEmptyShard: a shard given none of the downstreams runs nothing and
// passes (the merged run decides), saying so.
func TestEmptyShard(t *testing.T) {
	out := t.TempDir()
	code, stdout, stderr := demo(t, out, "--core-ref", "v2.0.0", "--only", "pipeline,store", "--shard", "3/3")
	if code != exitOK || !strings.Contains(stdout, "OK: shard 3/3: none of the 2 downstreams, nothing to run") {
		t.Errorf("exit %d, want 0 and a line saying the shard is empty\n%s\n%s", code, stdout, stderr)
	}
	if got := assigned(t, out); got == nil || len(got) != 0 {
		t.Errorf("assigned %v, want an empty list", got)
	}
}

// TestEmptyBisectShard: a bisection's shard given none of the downstreams
// searches nothing and passes too, its bisection an empty list.
func TestEmptyBisectShard(t *testing.T) {
	code, stdout, stderr, b, out := demoBisect(t, "--only", "pipeline", "--shard", "2/2")
	if code != exitOK || !strings.Contains(stdout, "OK: shard 2/2: none of the 1 downstreams, nothing to bisect") {
		t.Errorf("exit %d, want 0 and a line saying the shard is empty\n%s\n%s", code, stdout, stderr)
	}
	if b.Downstreams == nil || len(b.Downstreams) != 0 {
		t.Errorf("bisection downstreams %v, want an empty list", b.Downstreams)
	}
	if got := assigned(t, out); got == nil || len(got) != 0 {
		t.Errorf("assigned %v, want an empty list", got)
	}
}
