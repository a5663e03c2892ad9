// Command mergemem shows that merging JUnit reports does not leak: it
// writes 50 reports of 10,000 cases in total to a temporary directory,
// merges them over and over, and after each round prints the heap in use
// after a garbage collection.
//
//	go run ./contracts/junit/internal/mergemem -rounds 30
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"os"
	"runtime"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit/internal/synth"
)

func main() {
	rounds := flag.Int("rounds", 30, "merges to run")
	files := flag.Int("files", 50, "report files")
	cases := flag.Int("cases", 10000, "test cases across all files")
	flag.Parse()
	dir, err := os.MkdirTemp("", "mergemem-")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	paths, err := synth.WriteFiles(dir, *files, *cases)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d files, %d cases; heap in use after GC:\n", *files, *cases)
	first := uint64(0)
	var ms runtime.MemStats
	for i := 1; i <= *rounds; i++ {
		n, err := synth.Merge(paths, io.Discard)
		if err != nil {
			log.Fatal(err)
		}
		runtime.GC()
		runtime.ReadMemStats(&ms)
		if first == 0 {
			first = ms.HeapInuse
		}
		fmt.Printf("round %3d: %6d cases merged, heap in use %6.2f MiB (%+.2f MiB since round 1), total allocated %8.1f MiB\n",
			i, n, mib(ms.HeapInuse), mib(ms.HeapInuse)-mib(first), mib(ms.TotalAlloc))
	}
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }
