package main

import (
	"context"
	"strings"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/version"
)

// The module reports its source's release, and stamps it into every
// report it writes.
func TestModuleVersion(t *testing.T) {
	w := newWorld(t)
	m := newModule(t)
	if got := m.Version(); got != version.Release {
		t.Errorf("Version() = %q, want %s", got, version.Release)
	}
	run, err := m.Run(context.Background(), "v2.0.0", "", nil, dag.File("m.yaml", testMatrix), nil, "", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res, files := reportsOf(t, w.e, run)
	if res.Tool != version.Release {
		t.Errorf("reports written by %q, want %s", res.Tool, version.Release)
	}
	if junit := files["junit/v2.0.0/pipeline.xml"]; !strings.Contains(junit, `<property name="tool.version" value="`+version.Release+`"/>`) {
		t.Errorf("pipeline's JUnit report lacks tool.version:\n%s", junit)
	}
}
