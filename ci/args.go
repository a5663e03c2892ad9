package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/refs"
	"github.com/mjdevaccount/market-data-contracts/contracts/report"
)

// request is what one run asks for, checked before any work starts.
type request struct {
	coreRef     string
	baselineRef string
	// coreSource replaces coreRef with a directory (nil when unset).
	coreSource *dagger.Directory
	failOn     string
}

// check refuses contradictory or malformed arguments with the flag's name.
func (r request) check() error {
	if r.coreSource != nil && r.coreRef != "" {
		return fmt.Errorf("--core-ref and --core-source exclude each other")
	}
	for _, ref := range r.coreRefs() {
		if err := refs.Validate(ref); err != nil {
			return fmt.Errorf("--core-ref: %w", err)
		}
	}
	if r.baselineRef != "" {
		if err := refs.Validate(r.baselineRef); err != nil {
			return fmt.Errorf("--baseline-ref: %w", err)
		}
	}
	switch r.failOn {
	case "", report.FailOnFailures:
	case report.FailOnRegressions:
		if r.baselineRef == "" {
			return fmt.Errorf("--fail-on=%s needs --baseline-ref", report.FailOnRegressions)
		}
	default:
		return fmt.Errorf("--fail-on: want %s or %s, got %q", report.FailOnRegressions, report.FailOnFailures, r.failOn)
	}
	return nil
}

// coreRefs returns the candidate refs for campaign.Spec (comma-separated
// refs make a compatibility matrix); none means the matrix's core.ref.
func (r request) coreRefs() []string {
	return splitList([]string{r.coreRef})
}

// splitList accepts names given as a list, comma-separated, or both.
func splitList(values []string) []string {
	var out []string
	for _, v := range values {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				out = append(out, s)
			}
		}
	}
	return out
}

// loadMatrix parses the given matrix file, or the embedded default when f
// is nil, and keeps the downstreams named in only.
func loadMatrix(ctx context.Context, f *dagger.File, only []string) (*matrix.Matrix, error) {
	m, err := matrix.Default()
	if f != nil {
		m, err = parseMatrixFile(ctx, f)
	}
	if err != nil {
		return nil, err
	}
	return m.Select(splitList(only))
}

// parseMatrixFile reads the matrix file's bytes as they are (exported
// into the module's runtime; Contents would carry them as a UTF-8 string)
// and parses them.
func parseMatrixFile(ctx context.Context, f *dagger.File) (*matrix.Matrix, error) {
	name, err := f.Name(ctx)
	if err != nil {
		return nil, fmt.Errorf("--matrix: %w", err)
	}
	dir, err := os.MkdirTemp("", "matrix-")
	if err != nil {
		return nil, fmt.Errorf("--matrix %s: %w", name, err)
	}
	defer os.RemoveAll(dir)
	local := filepath.Join(dir, "matrix.yaml")
	if _, err := f.Export(ctx, local); err != nil {
		return nil, fmt.Errorf("--matrix %s: %w", name, err)
	}
	data, err := os.ReadFile(local)
	if err != nil {
		return nil, fmt.Errorf("--matrix %s: %w", name, err)
	}
	return matrix.Parse(name, data)
}

// pipArguments turns the constructor's pip options into the arguments the
// plan appends to every pip install: the index URL as plan.IndexArgs makes
// it (--index-url, and --trusted-host for a plain-HTTP index, which pip
// would otherwise ignore or never cache), then the extra arguments. They
// end up in argv lists and cache keys, so credentials in the index URL or
// in any URL of --pip-args are refused (plan.ValidatePipArgs, as the CLI's
// --pip-arg).
func pipArguments(indexURL string, extra []string) ([]string, error) {
	var out []string
	if indexURL != "" {
		args, err := plan.IndexArgs("--pip-index-url", indexURL)
		if err != nil {
			return nil, err
		}
		out = append(out, args...)
	}
	for _, a := range extra {
		if a == "" || strings.ContainsAny(a, "\x00\n\r") {
			return nil, fmt.Errorf("--pip-args: argument %q is empty or holds a control character", a)
		}
		out = append(out, a)
	}
	if err := plan.ValidatePipArgs(extra); err != nil {
		return nil, fmt.Errorf("--pip-args: %w", err)
	}
	return out, nil
}
