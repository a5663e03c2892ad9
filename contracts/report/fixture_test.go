package report

import (
	"fmt"
	"strings"
	"time"

	"github.com/mjdevaccount/market-data-contracts/contracts/bisect"
	"github.com/mjdevaccount/market-data-contracts/contracts/compare"
	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
	"github.com/mjdevaccount/market-data-contracts/contracts/readiness"
)

var (
	t0       = time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	coreV1   = plan.Source{Name: "market-data-core", Repo: "https://github.com/mjdevaccount/market-data-core", Ref: "v1.2.0", SHA: strings.Repeat("1", 40)}
	coreV2   = plan.Source{Name: "market-data-core", Repo: "https://github.com/mjdevaccount/market-data-core", Ref: "v2.0.0", SHA: strings.Repeat("2", 40)}
	corePull = plan.Source{Name: "market-data-core", Repo: "https://github.com/mjdevaccount/market-data-core", Ref: "refs/pull/7/head", SHA: strings.Repeat("7", 40)}
)

func downstream(name string) plan.Source {
	return plan.Source{Name: name, Repo: "https://github.com/mjdevaccount/" + name, Ref: "main", SHA: strings.Repeat("a", 40)}
}

func tc(name string, st junit.Status, msg string) junit.Case {
	module := "test_" + strings.Split(name, "_")[0]
	c := junit.Case{Classname: "tests.contracts." + module, Name: name, Status: st, Time: 250 * time.Millisecond, Message: msg, File: "tests/contracts/" + module + ".py"}
	if st == junit.StatusFailed || st == junit.StatusError {
		c.Line, c.Text = 12, "Traceback:\n  "+msg
	}
	return c
}

// out builds a suite outcome; its counts follow its cases.
func out(core plan.Source, name string, v outcome.Verdict, reason string, d time.Duration, cases ...junit.Case) outcome.Suite {
	return outcome.Suite{
		Name: name, Core: core, Downstream: downstream(name), Verdict: v, Reason: reason,
		Counts: junit.Count(cases), Cases: cases, Duration: d, Log: "logs/x/" + name + ".log",
	}
}

const (
	pass = junit.StatusPassed
	fail = junit.StatusFailed
	errd = junit.StatusError
	skip = junit.StatusSkipped
)

// hostile is a failure message written by code under test.
// (Only what XML can carry: a parsed report never holds terminal escapes.)
const hostile = "AssertionError: bid | ask `x` <script>alert(1)</script> @team [link](http://x) \u202edesrever\nsecond line"

// pinned is the readiness facts of a downstream that pins Core with spec
// (declared in file), which admits version or not.
func pinned(version, spec, file string, admits bool) *readiness.Pin {
	return &readiness.Pin{CoreVersion: version, Requirements: []readiness.Requirement{
		{Requirement: "market-data-core" + spec, Specifier: spec, Applies: true, DeclaredIn: file, Admits: admits}}}
}

// regressionFixture: a baseline and one candidate with every kind of suite.
func regressionFixture() *Result {
	base := Run{Label: "baseline-v1.2.0", Core: coreV1, Suites: []outcome.Suite{
		out(coreV1, "pipeline", outcome.Passed, "", 12300*time.Millisecond,
			tc("quotes_bid", pass, ""), tc("quotes_ask", pass, ""), tc("bars_roundtrip", pass, "")),
		out(coreV1, "store", outcome.Passed, "", 4*time.Second, tc("schema_v1", pass, "")),
		out(coreV1, "analytics", outcome.Failed, "", 8*time.Second,
			tc("stats_mean", fail, "assert 1.0 == 1.5"), tc("stats_var", fail, "ZeroDivisionError"), tc("stats_flaky", pass, "")),
		out(coreV1, "dashboard", outcome.Error, "install downstream (auto): pip exited 1", 30*time.Second),
	}}
	analytics := out(coreV2, "analytics", outcome.Failed, "", 9*time.Second,
		tc("stats_mean", fail, "assert 1.0 == 1.5"), tc("stats_var", pass, ""), tc("stats_flaky", pass, ""))
	analytics.Flaky = []string{"tests.contracts.test_stats::stats_flaky"} // failed, then passed on rerun: settled as passed
	cand := Run{Label: "v2.0.0", Core: coreV2, Suites: []outcome.Suite{
		out(coreV2, "pipeline", outcome.Failed, "", 12340*time.Millisecond,
			tc("quotes_bid", fail, hostile), tc("quotes_ask", pass, ""), tc("bars_roundtrip", skip, "needs network"), tc("bars_new", errd, "fixture 'bars' not found")),
		out(coreV2, "store", outcome.Error, "collection error or interrupted run (pytest exit 2)", 3500*time.Millisecond),
		analytics,
		out(coreV2, "dashboard", outcome.Timeout, "suite exceeded its timeout; its processes were killed", 15*time.Minute),
	}}
	cand.Suites[0].Pin = pinned("2.0.0", ">=1.1", "pyproject.toml", true)
	cand.Suites[1].Pin = &readiness.Pin{CoreVersion: "2.0.0", Error: "requirements file requirements.txt cannot be read: 'utf-16-le' codec can't decode byte 0x0a in position 70: truncated data"}
	cand.Suites[2].Pin = pinned("2.0.0", ">=1.1,<2", "requirements.txt", false)
	return &Result{Version: Version, Started: t0, Finished: t0.Add(16 * time.Minute), Baselines: []Run{base}, Runs: []Run{cand}}
}

// matrixFixture: three candidate runs (two refs, two Pythons), no baseline.
func matrixFixture() *Result {
	run := func(label string, core plan.Source, py string, pipeVerdict outcome.Verdict) Run {
		pipe := out(core, "pipeline", outcome.Passed, "", 2*time.Second, tc("quotes_bid", pass, ""))
		if pipeVerdict == outcome.Failed {
			pipe = out(core, "pipeline", outcome.Failed, "", 2*time.Second, tc("quotes_bid", fail, "KeyError: 'bid_px'"))
		}
		return Run{Label: label, Core: core, Python: py, Suites: []outcome.Suite{
			pipe,
			out(core, "store", outcome.NoTests, "contract path tests/contracts does not exist", time.Second),
		}}
	}
	return &Result{Version: Version, Started: t0, Finished: t0.Add(95 * time.Second), Runs: []Run{
		run("v1.2.0-py3.11", coreV1, "3.11", outcome.Passed),
		run("v2.0.0-py3.11", coreV2, "3.11", outcome.Failed),
		run("refs_pull_7_head-py3.12", corePull, "3.12", outcome.Passed),
	}}
}

// greenFixture: one run, everything passes.
func greenFixture() *Result {
	pipe := out(coreV2, "pipeline", outcome.Passed, "", 2*time.Second, tc("quotes_bid", pass, ""), tc("quotes_ask", skip, "later"))
	pipe.Pin = pinned("2.0.0", ">=2", "pyproject.toml", true)
	store := out(coreV2, "store", outcome.Passed, "", 2*time.Second, tc("schema_v1", pass, ""))
	store.Pin = pinned("2.0.0", "<2", "requirements.txt", false)
	return &Result{Version: Version, Started: t0, Finished: t0.Add(20 * time.Second), Runs: []Run{{Label: "v2.0.0", Core: coreV2, Suites: []outcome.Suite{pipe, store}}}}
}

// collectionError is a module pytest could not collect, as the runners
// read it (outcome.CasesOf): the exception as its message, located at the
// test module's line, the wrapper's header in its text.
func collectionError(module, exception, core, missing string, line int) junit.Case {
	text := fmt.Sprintf("[contracts] at: tests/contracts/%s.py:%d\n[contracts] exception: %s\n", module, line, exception)
	if core != "" {
		text += "[contracts] core: " + core + "\n"
	}
	if missing != "" {
		text += "[contracts] missing: " + missing + "\n"
	}
	return junit.Case{Name: "tests.contracts." + module, Status: junit.StatusError, Message: exception,
		File: "tests/contracts/" + module + ".py", Line: line, Text: text + "\nE   " + exception}
}

// collectionFixture: against a baseline on which it collected, pipeline's
// conformance module cannot be imported (Core moved it); its other file
// runs. Orchestrator lacks a third-party module; store's install failed
// with pip's retry chatter before the decisive line.
func collectionFixture() *Result {
	coreV3 := plan.Source{Name: "market-data-core", Repo: coreV2.Repo, Ref: "v3.0.0", SHA: strings.Repeat("3", 40)}
	moved := "ModuleNotFoundError: No module named 'market_data_core.protocols'"
	base := Run{Label: "baseline-v2.0.0", Core: coreV2, Suites: []outcome.Suite{
		out(coreV2, "pipeline", outcome.Passed, "", 3*time.Second,
			tc("conformance_adapter", pass, ""), tc("conformance_signatures", pass, ""), tc("flow_roundtrip", pass, ""), tc("flow_scale", pass, "")),
		out(coreV2, "orchestrator", outcome.Passed, "", 2*time.Second, tc("health_roundtrip", pass, "")),
		out(coreV2, "store", outcome.Passed, "", 2*time.Second, tc("schema_v1", pass, "")),
	}}
	cand := Run{Label: "v3.0.0", Core: coreV3, Suites: []outcome.Suite{
		out(coreV3, "pipeline", outcome.Failed, "could not collect tests/contracts/test_conformance.py:4: "+moved, 3*time.Second,
			tc("flow_roundtrip", pass, ""), tc("flow_scale", fail, "AssertionError: assert 0.5 == 1.0"),
			collectionError("test_conformance", moved, "ModuleNotFoundError from market_data_core.protocols", "", 4)),
		out(coreV3, "orchestrator", outcome.Error, "could not collect tests/contracts/test_logs.py:7: ModuleNotFoundError: No module named 'loguru' (the environment, not Core: module loguru is not installed)", 2*time.Second,
			tc("health_roundtrip", pass, ""), collectionError("test_logs", "ModuleNotFoundError: No module named 'loguru'", "", "loguru", 7)),
		out(coreV3, "store", outcome.Error, "install downstream (auto) failed (exit 1): ERROR: No matching distribution found for setuptools>=61 | "+
			strings.Repeat("WARNING: Retrying (Retry(total=4)) after connection broken | ", 12)+"error: subprocess-exited-with-error", 2*time.Second),
	}}
	return &Result{Version: Version, Started: t0, Finished: t0.Add(30 * time.Second), Baselines: []Run{base}, Runs: []Run{cand}}
}

// bisectFixture: a bisection of v1.2.0..v2.0.0 in which two commits
// broke pipeline, one inside a merged pull request and one on the
// first-parent path with a hostile subject, and one of pipeline's tests
// broke and was fixed again; store's culprit is hidden by untestable
// commits (a range); orchestrator is not broken.
func bisectFixture() *Result {
	res := regressionFixture()
	res.Runs[0].Suites = res.Runs[0].Suites[:2]
	res.Baselines[0].Suites = res.Baselines[0].Suites[:2]
	c := func(n int, subject, author string, parents ...string) bisect.Commit {
		sha := strings.Repeat(fmt.Sprint(n%10), 40)
		return bisect.Commit{SHA: sha, Short: sha[:7], Subject: subject, Author: author, Date: fmt.Sprintf("2025-10-%02dT12:00:00Z", n), Parents: parents}
	}
	rename, merge := c(4, "RateAdjustment: rename scale_factor to scale", "Chen Wei"), c(5, "Merge pull request #43 from pr/43-rate-scale", "Ana Ortiz")
	bars, flipped := c(8, "Bars: `fixture` | move *bars* to <core>", "Zoë Ñúñez-O'Brien"), c(9, "docs: bars", "Ana Ortiz")
	beforeRename, beforeBars := c(3, "docs: RateAdjustment field reference", "Chen Wei"), c(7, "build: back to setuptools", "Ana Ortiz")
	atRename := out(coreV2, "pipeline", outcome.Failed, "", time.Second, tc("quotes_bid", fail, "KeyError: 'scale_factor'"), tc("quotes_ask", pass, ""), tc("bars_roundtrip", pass, ""))
	atBars := out(coreV2, "pipeline", outcome.Failed, "", time.Second, tc("quotes_bid", fail, "KeyError: 'scale_factor'"), tc("quotes_ask", pass, ""), tc("bars_new", errd, "fixture 'bars' not found"))
	good, bad := bisect.Commit{SHA: coreV1.SHA, Short: coreV1.SHA[:7]}, bisect.Commit{SHA: coreV2.SHA, Short: coreV2.SHA[:7]}
	res.Bisect = &bisect.Result{
		Good: bisect.Endpoint{Ref: "v1.2.0", Commit: good}, Bad: bisect.Endpoint{Ref: "v2.0.0", Commit: bad},
		Commits: 21, FirstParent: 13,
		Downstreams: []bisect.Downstream{
			{Name: "pipeline", Status: bisect.Found, Probes: 9, Culprits: []bisect.Culprit{
				{Status: bisect.Found, Commit: &rename, Merge: &merge, LastGood: &beforeRename, Probe: &atRename,
					Broken: []compare.Case{{ID: "tests.contracts.test_quotes::quotes_bid", Class: compare.Regressed, Baseline: pass, Candidate: fail, Message: "KeyError: 'scale_factor'"}}},
				{Status: bisect.Found, Commit: &bars, LastGood: &beforeBars, Probe: &atBars,
					Broken: []compare.Case{{ID: "tests.contracts.test_bars::bars_new", Class: compare.NewFailing, Candidate: errd, Message: "fixture 'bars' not found"}}},
			}, Flips: []bisect.Flip{{ID: "tests.contracts.test_quotes::quotes_ask", Seen: []bisect.Sighting{{Commit: good}, {Commit: flipped, Broken: true}, {Commit: bad}}}}},
			{Name: "store", Status: bisect.Range, Probes: 5, Skipped: []bisect.Commit{c(6, "build: switch to hatchling", "Ben Okafor")}, Culprits: []bisect.Culprit{
				{Status: bisect.Range, Range: []bisect.Commit{c(6, "build: switch to hatchling", "Ben Okafor"), c(7, "build: back to setuptools", "Ana Ortiz")},
					Reason: "commits that could not be tested hide it: the first bad commit is one of these 2", Broken: []compare.Case{}}}},
			{Name: "orchestrator", Status: bisect.NotBroken, Reason: "no test that passed at good fails at bad"},
		},
	}
	return res
}

var fixtures = map[string]func() *Result{
	"bisect":     bisectFixture,
	"collection": collectionFixture,
	"regression": regressionFixture,
	"matrix":     matrixFixture,
	"green":      greenFixture,
}
