package report

import (
	"bytes"
	"flag"
	"github.com/mjdevaccount/market-data-contracts/contracts/internal/testkit"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit/schema"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden")

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	testkit.Golden(t, filepath.Join("testdata", name), got, *update)
}

func TestGoldenReports(t *testing.T) {
	for name, fixture := range fixtures {
		t.Run(name, func(t *testing.T) {
			res := fixture()
			dir := t.TempDir()
			if err := Write(dir, res); err != nil {
				t.Fatal(err)
			}
			if err := schema.ValidateDir(dir); err != nil {
				t.Error(err)
			}
			var term bytes.Buffer
			Terminal(&term, res)
			golden(t, name+".terminal.golden", term.Bytes())
			for _, f := range []string{SummaryMD, SummaryJSON} {
				b, err := os.ReadFile(filepath.Join(dir, f))
				if err != nil {
					t.Fatal(err)
				}
				golden(t, name+"."+f+".golden", b)
			}
		})
	}
}
