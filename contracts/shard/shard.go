// Package shard splits a campaign across machines and puts the pieces
// back together.
//
// `--shard=K/N` runs the K-th of N shards: the matrix's downstreams (after
// --only) are split into N groups, deterministically, from nothing but
// their names, their order and, when given, the durations a previous run
// recorded, so every machine computes the same split. A downstream is
// never cut: its baseline, every Core ref and every Python stay in one
// shard, so each shard builds a downstream environment once, its report
// compares each suite with its own baseline, and a bisection's searches
// (one per downstream) split the same way.
//
// Merge reads the N shards' report directories, checks that they are the
// N shards of one campaign (same matrix, Core commits, baseline, policy,
// split; each shard once; each downstream in exactly one shard) and
// writes the report the unsharded run would have written.
//
// The split is longest-processing-time first: downstreams in decreasing
// weight (matrix order among equals), each to the shard with the least
// weight so far (the first among equals). Without durations every weight
// is 1, which deals the downstreams out in matrix order: shard K gets the
// K-th, the K+N-th, and so on.
package shard

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// MaxCount bounds N: more shards than this is a typo, not a plan.
const MaxCount = 1000

// Spec is shard K of N (Index K, from 1; Count N). The zero Spec means
// no sharding.
type Spec struct {
	Index, Count int
}

// Parse reads "K/N" (1 <= K <= N <= MaxCount); "" is the zero Spec. An
// error names the value and what is wanted.
func Parse(s string) (Spec, error) {
	if s == "" {
		return Spec{}, nil
	}
	k, n, ok := strings.Cut(s, "/")
	ki, kerr := strconv.Atoi(k)
	ni, nerr := strconv.Atoi(n)
	switch {
	case !ok || kerr != nil || nerr != nil || strings.TrimSpace(k) != k || strings.TrimSpace(n) != n:
		return Spec{}, fmt.Errorf("%q: want K/N, shard K of N, such as 1/3", s)
	case ni < 1 || ni > MaxCount:
		return Spec{}, fmt.Errorf("%q: N must be within 1..%d", s, MaxCount)
	case ki < 1 || ki > ni:
		return Spec{}, fmt.Errorf("%q: K must be within 1..%d", s, ni)
	}
	return Spec{Index: ki, Count: ni}, nil
}

// Set reports whether s names a shard (is not the zero Spec).
func (s Spec) Set() bool { return s.Count > 0 }

// String is "K/N".
func (s Spec) String() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// Durations are how long each downstream's suites took, by downstream
// name (Weights reads them from a previous run's summary.json).
type Durations map[string]time.Duration

// ReadDurations reads a previous run's summary.json (name names it in
// errors) and sums each downstream's suite durations over its runs,
// baselines included.
func ReadDurations(name string, r io.Reader) (Durations, error) {
	res, err := report.ReadSummary(name, r)
	if err != nil {
		return nil, err
	}
	d := Durations{}
	for _, runs := range [][]report.Run{res.Baselines, res.Runs} {
		for _, run := range runs {
			for _, s := range run.Suites {
				d[s.Name] += s.Duration
			}
		}
	}
	return d, nil
}

// Split deals names (in matrix order) into count groups; see the package
// doc. A name without a duration weighs the mean of those with one (1 ms
// when none has). It also returns how it split: "count" without
// durations, else "durations " and a digest of the weights it used.
func Split(names []string, count int, durations Durations) ([][]string, string) {
	weights, how := weigh(names, durations)
	order := make([]int, len(names))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(weights[b], weights[a]) })
	load := make([]int64, count)
	member := make([]int, len(names))
	for _, i := range order {
		member[i] = slices.Index(load, slices.Min(load))
		load[member[i]] += weights[i]
	}
	groups := make([][]string, count)
	for i, name := range names {
		groups[member[i]] = append(groups[member[i]], name)
	}
	return groups, how
}

// weigh turns durations into whole milliseconds per name (integers, so
// every machine sorts them alike) and names the split.
func weigh(names []string, durations Durations) ([]int64, string) {
	weights := make([]int64, len(names))
	if len(durations) == 0 {
		for i := range weights {
			weights[i] = 1
		}
		return weights, "count"
	}
	var sum, known int64
	for _, n := range names {
		if d, ok := durations[n]; ok {
			sum += max(d.Milliseconds(), 1)
			known++
		}
	}
	mean := int64(1)
	if known > 0 {
		mean = max(sum/known, 1)
	}
	h := sha256.New()
	for i, n := range names {
		weights[i] = mean
		if d, ok := durations[n]; ok {
			weights[i] = max(d.Milliseconds(), 1)
		}
		fmt.Fprintf(h, "%s=%d\n", n, weights[i])
	}
	return weights, "durations sha256:" + hex.EncodeToString(h.Sum(nil))[:16]
}

// Select keeps spec's shard of m's downstreams (all of them when spec is
// not set, with no record) and returns the record its reports carry.
func Select(m *matrix.Matrix, spec Spec, durations Durations) (*matrix.Matrix, *report.Shard, error) {
	if !spec.Set() {
		return m, nil, nil
	}
	groups, how := Split(m.Names(), spec.Count, durations)
	assigned := groups[spec.Index-1]
	kept, err := m.Keep(assigned)
	if err != nil {
		return nil, nil, err
	}
	rec := &report.Shard{
		Index: spec.Index, Count: spec.Count, Downstreams: m.Names(), Assigned: append([]string{}, assigned...),
		Matrix: m.Digest(), Split: how,
	}
	return kept, rec, nil
}
