package report

import (
	"fmt"
	"slices"
	"strings"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
)

// Shard marks a result as one shard of a campaign split across machines
// (`--shard=K/N`): which shard it is, what the whole campaign held and
// how it was split. Package shard writes it and needs it to merge the
// shards' reports back into the whole run, refusing shards of different
// campaigns. A merged or unsharded result has none.
type Shard struct {
	// Index is K, from 1; Count is N.
	Index int `json:"index"`
	Count int `json:"count"`
	// Downstreams are every downstream of the campaign, in matrix order;
	// Assigned are this shard's, in the same order.
	Downstreams []string `json:"downstreams"`
	Assigned    []string `json:"assigned"`
	// Matrix is the campaign's matrix.Digest (after --only).
	Matrix string `json:"matrix"`
	// Split says how the downstreams were split: "count", or "durations
	// sha256:..." naming the durations it balanced.
	Split string `json:"split"`
}

// Name is "K/N".
func (s *Shard) Name() string { return fmt.Sprintf("%d/%d", s.Index, s.Count) }

// maxShardNames bounds the downstreams a shard's subject line names.
const maxShardNames = 10

// describe says what the shard holds, for the subject line.
func (s *Shard) describe() string {
	if len(s.Assigned) == 0 {
		return fmt.Sprintf("shard %s: none of the %d downstreams", s.Name(), len(s.Downstreams))
	}
	names := s.Assigned
	if len(names) > maxShardNames {
		names = append(slices.Clone(names[:maxShardNames]), fmt.Sprintf("and %d more", len(s.Assigned)-maxShardNames))
	}
	return fmt.Sprintf("shard %s: %d of %d downstreams (%s)", s.Name(), len(s.Assigned), len(s.Downstreams), strings.Join(names, ", "))
}

// validateShard checks a shard record read from summary.json.
func validateShard(s *Shard) error {
	if s.Count < 1 || s.Index < 1 || s.Index > s.Count {
		return fmt.Errorf("shard %d/%d: want K/N with 1 <= K <= N", s.Index, s.Count)
	}
	for _, n := range append(slices.Clone(s.Downstreams), s.Assigned...) {
		if err := matrix.ValidateName(n); err != nil {
			return fmt.Errorf("shard %s: %w", s.Name(), err)
		}
	}
	for _, n := range s.Assigned {
		if !slices.Contains(s.Downstreams, n) {
			return fmt.Errorf("shard %s: assigned %q is not one of its downstreams", s.Name(), n)
		}
	}
	return nil
}
