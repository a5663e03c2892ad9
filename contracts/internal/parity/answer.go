package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// answer is what a run answered, flattened to key paths and values:
// every key of summary.json (arrays of named objects keyed by name or
// label) plus each suite's test cases with their outcomes, read from its
// JUnit report. Two runners agree when their answers are equal.
type answer map[string]string

// volatile keys differ from one run to the next on either runner: they
// are not answers.
var volatile = map[string]bool{"started": true, "finished": true, "duration_seconds": true}

// loadAnswer reads the reports a run wrote into dir, through norm.
func loadAnswer(dir string, norm *normalizer) (answer, error) {
	data, err := os.ReadFile(filepath.Join(dir, report.SummaryJSON))
	if err != nil {
		return nil, err
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, report.SummaryJSON), err)
	}
	a := answer{}
	a.flatten("", doc, norm)
	if err := a.files(dir); err != nil {
		return nil, err
	}
	res, err := report.Load(dir)
	if err != nil {
		return nil, err
	}
	for kind, runs := range map[string][]report.Run{"baselines": res.Baselines, "runs": res.Runs} {
		for _, run := range runs {
			for _, s := range run.Suites {
				for _, c := range s.Cases {
					a[fmt.Sprintf("%s[%s].suites[%s].cases[%s::%s]", kind, run.Label, s.Name, c.Classname, c.Name)] = string(c.Status)
				}
			}
		}
	}
	return a, nil
}

// files adds every file the run wrote (its path: both runners write the
// same reports and logs).
func (a answer) files(dir string) error {
	return filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, err := filepath.Rel(dir, p)
		a["files["+filepath.ToSlash(rel)+"]"] = "written"
		return err
	})
}

// flatten adds v under key path p, arrays of objects keyed by their name
// or label so that an entry's key does not depend on its position.
func (a answer) flatten(p string, v any, norm *normalizer) {
	switch v := v.(type) {
	case map[string]any:
		for k, child := range v {
			if volatile[k] || norm.drops(k) {
				continue
			}
			a.flatten(join(p, k), child, norm)
		}
	case []any:
		if len(v) == 0 {
			a[p] = "[]"
		}
		for i, child := range v {
			a.flatten(fmt.Sprintf("%s[%s]", p, elementKey(child, i)), child, norm)
		}
	case string:
		a[p] = norm.text(v)
	default:
		b, _ := json.Marshal(v)
		a[p] = string(b)
	}
}

func join(p, k string) string {
	if p == "" {
		return k
	}
	return p + "." + k
}

// elementKey names an array element: its "label" or "name", else its index.
func elementKey(v any, i int) string {
	if m, ok := v.(map[string]any); ok {
		for _, k := range []string{"label", "name", "id"} {
			if s, ok := m[k].(string); ok && s != "" {
				return s
			}
		}
	}
	return fmt.Sprint(i)
}

// diff lists the keys where host and module differ, at most limit lines.
func diff(host, module answer, limit int) []string {
	keys := map[string]bool{}
	for k := range host {
		keys[k] = true
	}
	for k := range module {
		keys[k] = true
	}
	sorted := make([]string, 0, len(keys))
	for k := range keys {
		sorted = append(sorted, k)
	}
	sort.Strings(sorted)
	var out []string
	for _, k := range sorted {
		h, hok := host[k]
		m, mok := module[k]
		switch {
		case hok && mok && h == m:
			continue
		case !hok:
			out = append(out, fmt.Sprintf("%s: host has none, module %q", k, m))
		case !mok:
			out = append(out, fmt.Sprintf("%s: host %q, module has none", k, h))
		default:
			out = append(out, fmt.Sprintf("%s: host %q, module %q", k, h, m))
		}
	}
	if len(out) > limit {
		out = append(out[:limit], fmt.Sprintf("... and %d more", len(out)-limit))
	}
	return out
}

// verdicts summarises an answer for a table cell: the exit code and each
// suite's verdict, run by run.
func (a answer) verdicts() string {
	var parts []string
	for k, v := range a {
		if strings.HasSuffix(k, ".verdict") && strings.HasPrefix(k, "runs[") {
			run, suite := between(k, "runs[", "]"), between(k, ".suites[", "]")
			parts = append(parts, fmt.Sprintf("%s %s:%s", run, suite, short(v)))
		}
	}
	slices.Sort(parts)
	cell := "exit " + a["exit_code"]
	if len(parts) > 0 {
		cell += "; " + strings.Join(compactRuns(parts), " ")
	}
	if n, ok := a["bisect.downstreams"]; ok && n == "[]" {
		cell += "; bisect: none"
	}
	return cell
}

// compactRuns shows the run label once for its suites.
func compactRuns(parts []string) []string {
	var out []string
	last := ""
	for _, p := range parts {
		run, rest, _ := strings.Cut(p, " ")
		if run != last {
			out = append(out, run+":")
			last = run
		}
		out = append(out, rest)
	}
	return out
}

func between(s, open, close string) string {
	_, after, ok := strings.Cut(s, open)
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(after, close)
	return v
}

// short abbreviates a verdict for table cells.
func short(v string) string {
	return map[string]string{"passed": "pass", "failed": "FAIL", "error": "ERR", "no-tests": "none", "timeout": "TIME"}[v]
}

// normalizer rewrites what differs between the runners by construction
// (not by a fault of either): each rule it applies is reported with its
// reason. A case uses only the rules that apply to it.
type normalizer struct {
	rules []rule
	// used names the rules that changed something.
	used map[string]bool
}

// rule is one inherent difference and how to erase it.
type rule struct {
	name, why string
	// drop lists keys to leave out.
	drop []string
	// re and repl rewrite every string value.
	re   *regexp.Regexp
	repl string
}

func newNormalizer(rules ...rule) *normalizer {
	return &normalizer{rules: rules, used: map[string]bool{}}
}

func (n *normalizer) drops(key string) bool {
	for _, r := range n.rules {
		if slices.Contains(r.drop, key) {
			n.used[r.name] = true
			return true
		}
	}
	return false
}

// text applies every rule's rewrite to s.
func (n *normalizer) text(s string) string {
	for _, r := range n.rules {
		if r.re == nil {
			continue
		}
		if t := r.re.ReplaceAllString(s, r.repl); t != s {
			n.used[r.name] = true
			s = t
		}
	}
	return s
}

// applied lists the rules that changed something, with their reasons.
func (n *normalizer) applied() []rule {
	var out []rule
	for _, r := range n.rules {
		if n.used[r.name] {
			out = append(out, r)
		}
	}
	return out
}

// localSource: a Core working copy is named by its path on the host, by
// its content digest in the module (the engine sees no host path).
func localSource(path string) rule {
	return rule{
		name: "local source",
		why:  "a --core-source working copy is its path on the host and core-source@<digest> in the module, which sees no host paths",
		drop: []string{"local"},
		re:   regexp.MustCompile(regexp.QuoteMeta(path) + `|core-source@sha256:[0-9a-f]{64}`),
		repl: "<core source>",
	}
}

// The inherent differences.
var (
	// demoSources: the host's demo runs git repos it materializes (local
	// paths, commit SHAs); the module's serves the same trees from its
	// embedded files, with no git (repos examples/<name>, a digest of
	// each tree for its SHA).
	demoSources = rule{
		name: "demo sources",
		why:  "the module's demo serves the example trees from its own files: repo examples/<name> and a tree digest for a SHA, where the host's demo has git repos and commit SHAs",
		drop: []string{"repo", "sha"},
		re:   regexp.MustCompile(`@[0-9a-f]{7,40}\b`),
		repl: "@<sha>",
	}
	// engineGit: the engine's git reports an unreadable repository by
	// its exit status only; the host quotes git's own line.
	engineGit = rule{
		name: "engine git",
		why:  "the engine's git reports an unreadable repository by its exit status only (the module says 'not found or not readable ... (git exited 128)'); the host quotes git's fatal line",
		re:   regexp.MustCompile(`(?:fetch (\S+): git fetch: exit status 128: fatal: .*|repository (\S+) not found or not readable: .*\(git exited 128\))`),
		repl: "repository $1$2 unreachable",
	}
)
