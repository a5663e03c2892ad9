// Cross-repo contract CI for market-data-core, in containers.
//
// Does market-data-core at a ref break any downstream contract? This module
// answers with the same plan as the host runner (contracts/plan): it builds
// the plan, then runs each downstream suite in a container, the downstream
// install and Core's install as separate, cached layers, and turns what it
// observed into verdicts only through contracts/outcome.
//
//	dagger call contracts --core-ref=v2.0.0          # table; exit 1 when a contract broke
//	dagger call run --core-ref=v2.0.0 reports export --path=./reports
//	dagger call demo                                 # bundled example ecosystem
//
// Caching: functions that take a ref (which may move) run afresh on every
// call (+cache="session"); the execs inside them are keyed on resolved
// commit SHAs and cached by the engine, so a run that changes only the Core
// ref reinstalls only Core, and repeated calls for the same SHAs reuse the
// same test results.
package main

import (
	"dagger/market-data-contracts/internal/dagger"
)

// pipCacheKey names the pip download cache volume shared by every suite.
const pipCacheKey = "market-data-contracts:pip"

// MarketDataContracts runs downstream contract suites against Core.
type MarketDataContracts struct {
	// Image is the base image of every suite (a Python with pip).
	Image string
	// PipArgs are appended to every pip install.
	PipArgs []string
	// Concurrency is how many suites run at once.
	Concurrency int
	// Token authenticates https://github.com/ git fetches of private repos.
	// +private
	Token *dagger.Secret
}

// New configures contract runs.
func New(
	// Base image of every suite: a Python with pip
	// +optional
	// +default="python:3.11-slim"
	image string,
	// Package index URL for pip (--index-url), e.g. a mirror; a plain-HTTP one is also made a --trusted-host (pip would ignore it, and cache nothing from it, otherwise)
	// +optional
	pipIndexURL string,
	// Extra arguments for every pip install, e.g. --extra-index-url=URL (URLs with credentials are refused)
	// +optional
	pipArgs []string,
	// Token for private GitHub repos: sent only to https://github.com/ URLs, to fetch them; never given to a suite
	// +optional
	token *dagger.Secret,
	// How many suites run at once
	// +optional
	// +default=4
	concurrency int,
) (*MarketDataContracts, error) {
	args, err := pipArguments(pipIndexURL, pipArgs)
	if err != nil {
		return nil, err
	}
	if image == "" {
		image = "python:3.11-slim"
	}
	return &MarketDataContracts{
		Image:       image,
		PipArgs:     args,
		Concurrency: max(concurrency, 1),
		Token:       token,
	}, nil
}
