package campaign

import (
	"context"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
)

// pinnedSHA is the downstream commit the runs at both ends tested.
const pinnedSHA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"

func TestEndpoints(t *testing.T) {
	e := planned(t, Spec{CoreRefs: []string{"v2"}, BaselineRef: "v1", Pythons: []Python{{Label: "3.11"}}})
	good, bad, err := Endpoints(e, "v1", "v2")
	if err != nil || good.Ref != "v1" || bad.Ref != "v2" || good.Commit.SHA != e[0].Plan.Core.SHA || bad.Commit.Short != bad.Commit.SHA[:7] {
		t.Errorf("ends %+v %+v, %v", good, bad, err)
	}
	gone := planned(t, Spec{CoreRefs: []string{"v2"}, BaselineRef: "gone", Pythons: []Python{{Label: "3.11"}}})
	if _, _, err := Endpoints(gone, "gone", "v2"); err == nil || !strings.Contains(err.Error(), "--good gone: ") || !strings.Contains(err.Error(), "no such ref") {
		t.Errorf("an unresolved good: %v", err)
	}
}

// TestProbesPinDownstreams: a probe tests the downstream commits of the
// runs at the ends, not wherever their refs point now; a request that
// cannot be planned gives suites that carry why.
func TestProbesPinDownstreams(t *testing.T) {
	e := planned(t, Spec{CoreRefs: []string{"v2"}, Pythons: []Python{{Label: "3.11", Interpreter: "py311"}}})[0]
	for i := range e.Plan.Suites {
		e.Plan.Suites[i].Downstream.SHA = pinnedSHA
	}
	m, err := matrix.Parse("m.yaml", []byte(yml))
	if err != nil {
		t.Fatal(err)
	}
	p := NewProbes(m, e, []string{"--no-index"}, resolver{})
	req := bisect.Request{Commit: bisect.Commit{SHA: strings.Repeat("c", 40), Short: "ccccccc"}, Downstreams: []string{"b"}}
	pl := p.Plan(context.Background(), req)
	if len(pl.Suites) != 1 || pl.Suites[0].Name != "b" || pl.Suites[0].Downstream.SHA != pinnedSHA || pl.Suites[0].Error != "" || p.Label(req) != "bisect-ccccccc" {
		t.Fatalf("probe plan %+v", pl.Suites)
	}
	bad := p.Plan(context.Background(), bisect.Request{Commit: req.Commit, Downstreams: []string{"b", "nope"}})
	if len(bad.Suites) != 2 || bad.Suites[1].Name != "nope" || !strings.Contains(bad.Suites[0].Error, "nope") {
		t.Errorf("an unplannable request: %+v", bad.Suites)
	}
}
