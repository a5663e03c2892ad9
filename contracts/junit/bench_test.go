package junit_test

import (
	"io"
	"runtime"
	"testing"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit/internal/synth"
)

// BenchmarkMerge parses 50 reports holding 10,000 cases in total and
// writes one merged report. Besides ns/op and B/op it reports the heap in
// use after a GC at the end (heap-MiB), which stays flat as b.N grows;
// `go run ./contracts/junit/internal/mergemem` prints it round by round.
//
//	go test ./contracts/junit/ -run '^$' -bench Merge -benchtime 20x
func BenchmarkMerge(b *testing.B) {
	paths, err := synth.WriteFiles(b.TempDir(), 50, 10000)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		n, err := synth.Merge(paths, io.Discard)
		if err != nil {
			b.Fatal(err)
		}
		if n != 10000 {
			b.Fatalf("merged %d cases, want 10000", n)
		}
	}
	b.StopTimer()
	var ms runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&ms)
	b.ReportMetric(float64(ms.HeapInuse)/(1<<20), "heap-MiB")
}
