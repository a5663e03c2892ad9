package shard

import (
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
)

func TestParse(t *testing.T) {
	for in, want := range map[string]Spec{"": {}, "1/1": {1, 1}, "2/3": {2, 3}, "1000/1000": {1000, 1000}} {
		got, err := Parse(in)
		if err != nil || got != want {
			t.Errorf("Parse(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for in, msg := range map[string]string{
		"3":       `"3": want K/N`,
		"a/b":     `"a/b": want K/N`,
		"1/ 2":    `"1/ 2": want K/N`,
		"1/2/3":   `"1/2/3": want K/N`,
		"0/2":     `"0/2": K must be within 1..2`,
		"3/2":     `"3/2": K must be within 1..2`,
		"-1/2":    `"-1/2": K must be within 1..2`,
		"1/0":     `"1/0": N must be within 1..1000`,
		"1/1001":  `"1/1001": N must be within 1..1000`,
		"1/2\n3":  `want K/N`,
		"+1/2":    "", // Atoi takes a sign; K is still 1
		"01/0002": "", // and leading zeros
	} {
		_, err := Parse(in)
		switch {
		case msg == "" && err != nil:
			t.Errorf("Parse(%q): %v", in, err)
		case msg != "" && (err == nil || !strings.Contains(err.Error(), msg)):
			t.Errorf("Parse(%q) = %v, want an error containing %q", in, err, msg)
		}
	}
}

func names(n int) []string {
	var out []string
	for i := range n {
		out = append(out, fmt.Sprintf("d%02d", i))
	}
	return out
}

// TestSplitByCount: without durations the downstreams are dealt out in
// matrix order; every downstream lands in exactly one shard; sizes differ
// by at most one; more shards than downstreams leaves the last ones empty.
func TestSplitByCount(t *testing.T) {
	groups, how := Split(names(7), 3, nil)
	want := [][]string{{"d00", "d03", "d06"}, {"d01", "d04"}, {"d02", "d05"}}
	if how != "count" || !reflect.DeepEqual(groups, want) {
		t.Errorf("Split(7, 3) = %v, %q; want %v, count", groups, how, want)
	}
	for _, tc := range []struct{ n, count int }{{1, 1}, {3, 2}, {100, 2}, {100, 7}, {3, 5}, {0, 2}} {
		groups, _ := Split(names(tc.n), tc.count, nil)
		var all []string
		small, large := tc.n, 0
		for _, g := range groups {
			all = append(all, g...)
			small, large = min(small, len(g)), max(large, len(g))
		}
		slices.Sort(all)
		if len(groups) != tc.count || !slices.Equal(all, names(tc.n)) || large-small > 1 {
			t.Errorf("Split(%d, %d) = %v: want %d groups, each name once, sizes within one", tc.n, tc.count, groups, tc.count)
		}
	}
}

// TestSplitByDurations: longest first to the least loaded shard, ties in
// matrix order; a downstream the durations do not know weighs their mean;
// the result does not depend on the map's order, and the split names the
// weights it used.
func TestSplitByDurations(t *testing.T) {
	d := Durations{"d00": 10 * time.Second, "d01": 9 * time.Second, "d02": 2 * time.Second, "d03": 2 * time.Second, "d04": 1 * time.Second}
	groups, how := Split(names(5), 2, d)
	// 10 -> A; 9 -> B; 2 (d02) -> B (11); 2 (d03) -> A (12); 1 -> B (12).
	want := [][]string{{"d00", "d03"}, {"d01", "d02", "d04"}}
	if !reflect.DeepEqual(groups, want) || !strings.HasPrefix(how, "durations sha256:") {
		t.Errorf("Split = %v, %q; want %v, durations sha256:...", groups, how, want)
	}
	for range 20 { // map iteration order varies from call to call
		if again, how2 := Split(names(5), 2, maps(d)); !reflect.DeepEqual(again, groups) || how2 != how {
			t.Fatalf("split changed between calls: %v %q, then %v %q", groups, how, again, how2)
		}
	}
	// d05 is unknown: it weighs the mean, 4.8 s: 10 -> A; 9 -> B; 4.8 -> B
	// (13.8); 2 -> A (12); 2 -> A (14); 1 -> B (14.8).
	groups, _ = Split(names(6), 2, d)
	if want := [][]string{{"d00", "d02", "d03"}, {"d01", "d04", "d05"}}; !reflect.DeepEqual(groups, want) {
		t.Errorf("with an unknown downstream: %v, want %v", groups, want)
	}
	// Other durations, another split name; sub-millisecond durations still weigh.
	if _, other := Split(names(5), 2, Durations{"d00": time.Microsecond}); other == how {
		t.Error("different durations give the same split name")
	}
}

func maps(d Durations) Durations {
	out := Durations{}
	for k, v := range d {
		out[k] = v
	}
	return out
}

func TestSelect(t *testing.T) {
	m, err := matrix.Parse("m.yaml", []byte(`version: 1
core: {name: market-data-core, repo: https://example.com/core.git, package: market_data_core, ref: main}
downstreams:
  - {name: a, repo: https://example.com/a.git, ref: main}
  - {name: b, repo: https://example.com/b.git, ref: main}
  - {name: c, repo: https://example.com/c.git, ref: main}
`))
	if err != nil {
		t.Fatal(err)
	}
	if kept, rec, err := Select(m, Spec{}, nil); err != nil || kept != m || rec != nil {
		t.Errorf("no shard: %v %v %v; want the matrix itself and no record", kept, rec, err)
	}
	kept, rec, err := Select(m, Spec{1, 2}, nil)
	if err != nil || !slices.Equal(kept.Names(), []string{"a", "c"}) {
		t.Fatalf("1/2: %v %v", kept, err)
	}
	if rec.Name() != "1/2" || !slices.Equal(rec.Downstreams, []string{"a", "b", "c"}) || !slices.Equal(rec.Assigned, []string{"a", "c"}) ||
		rec.Matrix != m.Digest() || rec.Split != "count" {
		t.Errorf("record %+v", rec)
	}
	if !slices.Equal(m.Names(), []string{"a", "b", "c"}) {
		t.Errorf("Select changed the matrix it was given: %v", m.Names())
	}
	kept, rec, err = Select(m, Spec{4, 4}, nil)
	if err != nil || len(kept.Downstreams) != 0 || len(rec.Assigned) != 0 || rec.Assigned == nil {
		t.Errorf("4/4 of 3: %v %+v %v; want no downstream and an empty assigned list", kept, rec, err)
	}
	other, _ := m.Select([]string{"a", "b"})
	if other.Digest() == m.Digest() {
		t.Error("two matrices with different downstreams share a digest")
	}
	moved := *m
	moved.Source = "/elsewhere/m.yaml"
	if moved.Digest() != m.Digest() {
		t.Error("the digest depends on where the matrix file was read")
	}
}
