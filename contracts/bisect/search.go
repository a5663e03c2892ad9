package bisect

// answer is what a probe says about a commit, for one downstream.
type answer int

const (
	// isGood: no test that passed at good fails there.
	isGood answer = iota
	// isBad: a test that passed at good fails there (the contract broke).
	isBad
	// isSkip: the suite could not run there (Core did not build or
	// install, the suite timed out): like git bisect skip.
	isSkip
)

// search is one downstream's binary search over a list of commits whose
// element -1 (before the list) is known good and whose last element is
// known bad: lo is the last index known good, hi the first known bad.
// Commits that could not be tested are skipped; when only skipped commits
// are left between lo and hi, the first bad commit is one of lo+1..hi.
type search struct {
	commits []Commit
	lo, hi  int
	skipped map[int]bool
}

func newSearch(commits []Commit) *search {
	return &search{commits: commits, lo: -1, hi: len(commits) - 1, skipped: map[int]bool{}}
}

// next returns the index to probe next: the untested commit nearest the
// middle of lo..hi, or false when the search is over.
func (s *search) next() (int, bool) {
	mid := (s.lo + s.hi) / 2
	for d := 0; d < s.hi-s.lo; d++ {
		for _, i := range []int{mid + d, mid - d} {
			if i > s.lo && i < s.hi && !s.skipped[i] {
				return i, true
			}
		}
	}
	return 0, false
}

// record notes the answer for index i.
func (s *search) record(i int, a answer) {
	switch a {
	case isGood:
		s.lo = i
	case isBad:
		s.hi = i
	default:
		s.skipped[i] = true
	}
}

// exact reports whether the first bad commit is known exactly (no
// skipped commit left before it).
func (s *search) exact() bool { return s.hi-s.lo == 1 }

// candidates are the commits the first bad one is among: lo+1..hi.
func (s *search) candidates() []Commit { return s.commits[s.lo+1 : s.hi+1] }

// lastGood is the last commit known good, or nil for the list's start.
func (s *search) lastGood() *Commit {
	if s.lo < 0 {
		return nil
	}
	return &s.commits[s.lo]
}
