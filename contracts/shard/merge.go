package shard

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"reflect"
	"slices"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// LogsDir is where runners write the suites' logs in a report directory;
// Merge copies it whole from every shard.
const LogsDir = "logs"

// piece is one shard's reports as read back.
type piece struct {
	dir string
	res *report.Result
}

// name is "shard K/N (DIR)", for errors.
func (p piece) name() string { return fmt.Sprintf("shard %s (%s)", p.res.Shard.Name(), p.dir) }

// Merged is a campaign's shards, checked and put together, ready to be
// written: Check refuses what does not merge before anything is written,
// so a refused merge leaves the output directory as it was.
type Merged struct {
	res    *report.Result
	pieces []piece
	files  []shardFile
}

// shardFile is a file Write copies from a shard's report directory: a
// log, or the probe report of a bisection's culprit.
type shardFile struct {
	from piece
	rel  string
}

// Refused is Check's error: the given directories are not the shards of
// one campaign, or their files cannot be merged. It names the directory
// and what differs.
type Refused struct{ Err error }

func (r Refused) Error() string { return r.Err.Error() }
func (r Refused) Unwrap() error { return r.Err }

// Check reads the report directories of a campaign's shards (any order)
// and checks that they are its N shards, each once, of one campaign (run
// by one version of this tool), and that their logs and probe reports are
// regular files no two shards both hold. Errors are Refused.
func Check(dirs []string) (*Merged, error) {
	m, err := check(dirs)
	if err != nil {
		return nil, Refused{err}
	}
	return m, nil
}

func check(dirs []string) (*Merged, error) {
	if len(dirs) == 0 {
		return nil, errors.New("no shard report directory given")
	}
	pieces, err := load(dirs)
	if err != nil {
		return nil, err
	}
	if err := checkSet(pieces); err != nil {
		return nil, err
	}
	for _, p := range pieces[1:] {
		if err := samePlan(pieces[0], p); err != nil {
			return nil, err
		}
	}
	order, err := checkAssigned(pieces)
	if err != nil {
		return nil, err
	}
	res := combine(pieces, order)
	files, err := listFiles(pieces, res)
	if err != nil {
		return nil, err
	}
	return &Merged{res: res, pieces: pieces, files: files}, nil
}

// Write writes into out (an existing directory, empty of reports) the
// report the unsharded run writes: summary.json, summary.md, junit.xml,
// every suite's JUnit report and log, comparisons, readiness, the
// compatibility matrix and the bisection. The merged result is returned
// with its Dir set to out. Its errors are the file system's.
func (m *Merged) Write(out string) (*report.Result, error) {
	res := *m.res
	if err := report.Write(out, &res); err != nil {
		return nil, fmt.Errorf("writing the merged reports to %s: %w", out, err)
	}
	if err := copyFiles(out, m.files); err != nil {
		return nil, err
	}
	return &res, nil
}

// Merge is Check, then Write into out.
func Merge(out string, dirs []string) (*report.Result, error) {
	m, err := Check(dirs)
	if err != nil {
		return nil, err
	}
	return m.Write(out)
}

// load reads every directory (report.Load), refusing one without a shard
// record, and sorts them by shard index.
func load(dirs []string) ([]piece, error) {
	var pieces []piece
	for _, d := range dirs {
		res, err := report.Load(d)
		if err != nil {
			return nil, err
		}
		if res.Shard == nil {
			return nil, fmt.Errorf("%s: not a shard's reports (its summary.json has no \"shard\" key: it was written without --shard)", d)
		}
		pieces = append(pieces, piece{dir: d, res: res})
	}
	slices.SortStableFunc(pieces, func(a, b piece) int { return a.res.Shard.Index - b.res.Shard.Index })
	return pieces, nil
}

// checkSet refuses shards of different counts, a shard given twice and a
// missing one.
func checkSet(pieces []piece) error {
	n := pieces[0].res.Shard.Count
	seen := map[int]string{}
	for _, p := range pieces {
		switch s := p.res.Shard; {
		case s.Count != n:
			return fmt.Errorf("%s and %s split the campaign into different numbers of shards", pieces[0].name(), p.name())
		case seen[s.Index] != "":
			return fmt.Errorf("shard %s is given twice: %s and %s", s.Name(), seen[s.Index], p.dir)
		}
		seen[p.res.Shard.Index] = p.dir
	}
	var missing []string
	for k := 1; k <= n; k++ {
		if seen[k] == "" {
			missing = append(missing, fmt.Sprintf("%d/%d", k, n))
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("shard %s missing: merging needs all %d shards (given: %s)", strings.Join(missing, ", "), n, given(pieces))
	}
	return nil
}

func given(pieces []piece) string {
	var names []string
	for _, p := range pieces {
		names = append(names, p.name())
	}
	return strings.Join(names, ", ")
}

// samePlan refuses b when it is not a shard of a's campaign, naming the
// difference.
func samePlan(a, b piece) error {
	sa, sb := a.res.Shard, b.res.Shard
	var what string
	switch {
	case sa.Matrix != sb.Matrix || !slices.Equal(sa.Downstreams, sb.Downstreams):
		what = fmt.Sprintf("the matrix differs: %s with %s, against %s with %s", short(sa.Matrix), list(sa.Downstreams), short(sb.Matrix), list(sb.Downstreams))
	case sa.Split != sb.Split:
		what = fmt.Sprintf("they were split differently: %s, against %s (give every shard the same --shard-durations)", sa.Split, sb.Split)
	case a.res.Policy() != b.res.Policy():
		what = fmt.Sprintf("the fail-on policy differs: %s, against %s", a.res.Policy(), b.res.Policy())
	case a.res.Tool != b.res.Tool:
		what = fmt.Sprintf("they were run by different versions of market-data-contracts: %q, against %q", a.res.Tool, b.res.Tool)
	default:
		what = cmp.Or(sameRuns("baseline", a.res.Baselines, b.res.Baselines), sameRuns("candidate", a.res.Runs, b.res.Runs), sameBisect(a.res.Bisect, b.res.Bisect))
	}
	if what != "" {
		return fmt.Errorf("%s and %s are shards of different campaigns: %s", a.name(), b.name(), what)
	}
	return nil
}

// sameRuns compares the runs' labels, Core sources and interpreters; ""
// when they match, else what differs.
func sameRuns(what string, a, b []report.Run) string {
	if len(a) != len(b) {
		return fmt.Sprintf("%d %s runs, against %d", len(a), what, len(b))
	}
	for i := range a {
		if a[i].Label != b[i].Label || a[i].Python != b[i].Python || a[i].Core != b[i].Core {
			return fmt.Sprintf("the %s runs differ: %s, against %s", what, runName(a[i]), runName(b[i]))
		}
	}
	return ""
}

// runName is "label: Core ref@sha (python)".
func runName(r report.Run) string {
	s := fmt.Sprintf("%s: Core %s", r.Label, source(r.Core))
	if r.Python != "" {
		s += " (py " + r.Python + ")"
	}
	return s
}

func source(s plan.Source) string {
	if s.Local != "" {
		return "local " + s.Local
	}
	sha := s.SHA
	if sha == "" {
		sha = "unresolved"
	}
	return s.Ref + "@" + sha
}

// sameBisect compares two shards' bisections: both or neither, the same
// ends and the same history between them ("" when they match). A failed
// search is not compared: the merged bisection fails too.
func sameBisect(a, b *bisect.Result) string {
	switch {
	case (a == nil) != (b == nil):
		return "only one of them is a bisection"
	case a == nil || a.Error != "" || b.Error != "":
		return ""
	case a.Good.Commit.SHA != b.Good.Commit.SHA || a.Bad.Commit.SHA != b.Bad.Commit.SHA:
		return fmt.Sprintf("they bisected %s..%s, against %s..%s", a.Good.Commit.Short, a.Bad.Commit.Short, b.Good.Commit.Short, b.Bad.Commit.Short)
	case !reflect.DeepEqual(a.Good, b.Good) || !reflect.DeepEqual(a.Bad, b.Bad) || a.Commits != b.Commits || a.FirstParent != b.FirstParent:
		return fmt.Sprintf("they read Core's history %s..%s differently (%d commits, against %d)", a.Good.Commit.Short, a.Bad.Commit.Short, a.Commits, b.Commits)
	}
	return ""
}

func short(digest string) string {
	if i := strings.IndexByte(digest, ':'); i >= 0 && len(digest) > i+13 {
		return digest[:i+13]
	}
	return digest
}

// checkAssigned checks that every downstream of the campaign is in exactly
// one shard, and that each shard's runs hold exactly its downstreams; it
// returns the campaign's downstreams' positions by name.
func checkAssigned(pieces []piece) (map[string]int, error) {
	all := pieces[0].res.Shard.Downstreams
	owner := map[string]string{}
	for _, p := range pieces {
		for _, n := range p.res.Shard.Assigned {
			if o, dup := owner[n]; dup {
				return nil, fmt.Errorf("downstream %s is in two shards: %s and %s", n, o, p.name())
			}
			owner[n] = p.name()
		}
		if err := holdsAssigned(p); err != nil {
			return nil, err
		}
	}
	order := map[string]int{}
	for i, n := range all {
		if owner[n] == "" {
			return nil, fmt.Errorf("downstream %s is in no shard (given: %s)", n, given(pieces))
		}
		order[n] = i
	}
	return order, nil
}

// holdsAssigned checks that every run of p holds exactly p's downstreams.
func holdsAssigned(p piece) error {
	for _, runs := range [][]report.Run{p.res.Baselines, p.res.Runs} {
		for _, run := range runs {
			var names []string
			for _, s := range run.Suites {
				names = append(names, s.Name)
			}
			if !slices.Equal(names, p.res.Shard.Assigned) {
				return fmt.Errorf("%s: run %s holds %s, but the shard was given %s", p.name(), run.Label, list(names), list(p.res.Shard.Assigned))
			}
		}
	}
	if b := p.res.Bisect; b != nil && b.Error == "" {
		for _, d := range b.Downstreams {
			if !slices.Contains(p.res.Shard.Assigned, d.Name) {
				return fmt.Errorf("%s: its bisection holds %s, which the shard was not given", p.name(), d.Name)
			}
		}
	}
	return nil
}

func list(names []string) string {
	if len(names) == 0 {
		return "no downstream"
	}
	return strings.Join(names, ", ")
}

// combine puts the shards' runs together, suites in the campaign's order.
func combine(pieces []piece, order map[string]int) *report.Result {
	first := pieces[0].res
	res := &report.Result{Version: report.Version, Started: first.Started, Finished: first.Finished, FailOn: first.FailOn, Tool: first.Tool}
	for _, p := range pieces[1:] {
		if p.res.Started.Before(res.Started) {
			res.Started = p.res.Started
		}
		if p.res.Finished.After(res.Finished) {
			res.Finished = p.res.Finished
		}
	}
	res.Baselines = combineRuns(pieces, order, func(r *report.Result) []report.Run { return r.Baselines })
	res.Runs = combineRuns(pieces, order, func(r *report.Result) []report.Run { return r.Runs })
	if first.Bisect != nil {
		res.Bisect = combineBisect(pieces, order)
	}
	return res
}

func combineRuns(pieces []piece, order map[string]int, runsOf func(*report.Result) []report.Run) []report.Run {
	var out []report.Run
	for i, run := range runsOf(pieces[0].res) {
		merged := report.Run{Label: run.Label, Core: run.Core, Python: run.Python}
		for _, p := range pieces {
			merged.Suites = append(merged.Suites, runsOf(p.res)[i].Suites...)
		}
		slices.SortStableFunc(merged.Suites, func(a, b outcome.Suite) int { return order[a.Name] - order[b.Name] })
		out = append(out, merged)
	}
	return out
}

// combineBisect merges the shards' bisections: the downstreams' answers in
// the campaign's order. When a shard's search failed, the merged search
// failed too: with the error every shard gave when they all gave the same
// (a range that cannot be searched is refused alike by every shard, as by
// the unsharded run), else saying which shard's failed and why.
func combineBisect(pieces []piece, order map[string]int) *bisect.Result {
	var failed, errs []string
	for _, p := range pieces {
		if e := p.res.Bisect.Error; e != "" {
			failed = append(failed, fmt.Sprintf("shard %s: %s", p.res.Shard.Name(), e))
			errs = append(errs, e)
		}
	}
	first := *pieces[0].res.Bisect
	if len(failed) > 0 {
		why := strings.Join(failed, "; ")
		if len(errs) == len(pieces) && len(slices.Compact(slices.Clone(errs))) == 1 {
			why = errs[0]
		}
		return &bisect.Result{Good: first.Good, Bad: first.Bad, Downstreams: []bisect.Downstream{}, Error: why}
	}
	first.Downstreams = nil
	for _, p := range pieces {
		first.Downstreams = append(first.Downstreams, p.res.Bisect.Downstreams...)
	}
	slices.SortStableFunc(first.Downstreams, func(a, b bisect.Downstream) int { return order[a.Name] - order[b.Name] })
	if first.Downstreams == nil {
		first.Downstreams = []bisect.Downstream{}
	}
	return &first
}

// listFiles lists what report.Write does not write and the merge copies
// from the shards: every log, and the probe report of each culprit of a
// bisection. It refuses a file another shard also gives and anything but
// regular files (a report directory may come from an untrusted artifact).
func listFiles(pieces []piece, res *report.Result) ([]shardFile, error) {
	probes := map[string]bool{}
	if res.Bisect != nil {
		for _, d := range res.Bisect.Downstreams {
			for _, c := range d.Culprits {
				if c.Report != "" {
					probes[c.Report] = true
				}
			}
		}
	}
	var files []shardFile
	owner := map[string]piece{}
	for _, p := range pieces {
		rels, err := filesOf(p, probes)
		if err != nil {
			return nil, err
		}
		for _, rel := range rels {
			if o, dup := owner[rel]; dup {
				return nil, fmt.Errorf("%s: %s is also in %s", p.name(), rel, o.name())
			}
			owner[rel] = p
			files = append(files, shardFile{from: p, rel: rel})
		}
	}
	return files, nil
}

// filesOf lists p's logs, and its reports among probes, refusing what is
// not a regular file.
func filesOf(p piece, probes map[string]bool) ([]string, error) {
	src, err := os.OpenRoot(p.dir)
	if err != nil {
		return nil, err
	}
	defer src.Close()
	var rels []string
	regular := func(rel string) error {
		info, err := src.Lstat(rel)
		if err != nil {
			return fmt.Errorf("%s: %w", p.name(), err)
		}
		if !info.Mode().IsRegular() {
			return fmt.Errorf("%s: %s is not a regular file", p.name(), rel)
		}
		rels = append(rels, rel)
		return nil
	}
	if p.res.Bisect != nil {
		for _, d := range p.res.Bisect.Downstreams {
			for _, c := range d.Culprits {
				if probes[c.Report] {
					if err := regular(c.Report); err != nil {
						return nil, err
					}
				}
			}
		}
	}
	err = fs.WalkDir(src.FS(), LogsDir, func(rel string, e fs.DirEntry, err error) error {
		switch {
		case errors.Is(err, fs.ErrNotExist) && rel == LogsDir:
			return fs.SkipDir // a shard without logs (the module writes none for a suite without output)
		case err != nil:
			return fmt.Errorf("%s: %w", p.name(), err)
		case e.IsDir():
			return nil
		}
		return regular(rel)
	})
	return rels, err
}

// copyFiles copies files from their shards into out.
func copyFiles(out string, files []shardFile) error {
	dst, err := os.OpenRoot(out)
	if err != nil {
		return err
	}
	defer dst.Close()
	// Each shard's directory opened once, as an os.Root: no link is
	// followed out of it (a report directory may come from an untrusted
	// artifact).
	srcs := map[string]*os.Root{}
	defer func() {
		for _, r := range srcs {
			r.Close()
		}
	}()
	for _, f := range files {
		src, ok := srcs[f.from.dir]
		if !ok {
			if src, err = os.OpenRoot(f.from.dir); err != nil {
				return fmt.Errorf("%s: %w", f.from.name(), err)
			}
			srcs[f.from.dir] = src
		}
		data, err := src.ReadFile(f.rel)
		if err != nil {
			return fmt.Errorf("%s: %w", f.from.name(), err)
		}
		if err := dst.MkdirAll(path.Dir(f.rel), 0o755); err != nil {
			return err
		}
		if err := dst.WriteFile(f.rel, data, 0o644); err != nil {
			return err
		}
	}
	return nil
}
