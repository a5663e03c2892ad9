package main

import (
	"context"
	"errors"
	"html"
	"strings"
	"testing"
	"time"

	"dagger/market-data-contracts/enginetest"

	"github.com/mjdevaccount/market-data-contracts/contracts/junit"
	"github.com/mjdevaccount/market-data-contracts/contracts/matrix"
	"github.com/mjdevaccount/market-data-contracts/contracts/outcome"
	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

const oneSuiteMatrix = `version: 1
core: {name: market-data-core, repo: "https://git.example/core.git", package: market_data_core}
downstreams:
  - {name: pipeline, repo: "https://git.example/pipeline.git", ref: main, timeout: 2m}
`

func oneSuite(t *testing.T) (plan.Suite, *plan.Plan) {
	m, err := matrix.Parse("m.yaml", []byte(oneSuiteMatrix))
	if err != nil {
		t.Fatal(err)
	}
	p, err := plan.Build(context.Background(), m, plan.Options{CoreRef: "v2.0.0"}, staticResolver{})
	if err != nil {
		t.Fatal(err)
	}
	return p.Suites[0], p
}

// collectionXML is a pytest report with one passing test and a module that
// could not be collected, described by the plan's pytest wrapper (line is
// its header line for the cause: "core: ..." or "missing: ...").
func collectionXML(module, exception, line string) string {
	return `<?xml version="1.0" encoding="utf-8"?><testsuites><testsuite name="pipeline" errors="1" failures="0" skipped="0" tests="2">` +
		`<testcase classname="tests.contracts.test_ok" name="test_ok"/>` +
		`<testcase classname="" name="tests.contracts.` + module + `"><error message="collection failure">` +
		"[contracts] at: tests/contracts/" + module + ".py:3\n[contracts] exception: " + html.EscapeString(exception) + "\n[contracts] " + line + "\n\nE   " + html.EscapeString(exception) +
		`</error></testcase></testsuite></testsuites>`
}

// pytestReport answers pytest's exit code and its JUnit report.
func pytestReport(code int, xml string) override {
	return func(c enginetest.Chain) (any, bool, error) {
		switch c.Leaf().Name {
		case "exitCode":
			return code, true, nil
		case "size":
			return len(xml), true, nil
		case "contents":
			return xml, true, nil
		}
		return nil, false, nil
	}
}

// testWheel is the file name of the wheel the fake Core build leaves.
const testWheel = "market_data_core-2.0.0-py3-none-any.whl"

// override answers some chains of a case; ok=false falls back to a passing suite.
type override func(c enginetest.Chain) (v any, ok bool, err error)

func passingSuite(c enginetest.Chain) (any, error) {
	switch c.Leaf().Name {
	case "commit":
		return c[1].Str("id"), nil
	case "sync", "combinedOutput":
		return nil, nil
	case "exists":
		return true, nil
	case "exitCode":
		return 0, nil
	case "entries":
		return []string{testWheel}, nil
	case "size":
		return len(junitXML("pipeline", false)), nil
	case "contents":
		if isPinFacts(c) {
			return pinFactsJSON, nil
		}
		return junitXML("pipeline", false), nil
	}
	return nil, errors.New("unexpected " + c.String())
}

// isTreeSync reports whether c syncs the tree of the repo at url.
func isTreeSync(c enginetest.Chain, url string) bool {
	return c.Has("git", "commit", "tree", "sync") && c[0].Str("url") == url
}

// isLayerSync reports whether c syncs a container with n mounts.
func isLayerSync(c enginetest.Chain, mounts int) bool {
	return c[0].Name == "container" && c.Leaf().Name == "sync" && len(c.Index("withMountedDirectory")) == mounts
}

func TestFacts(t *testing.T) {
	s, p := oneSuite(t)
	downstream := s.StepsOf(plan.LayerDownstream)
	installErr := enginetest.ExecError(execArgv(downstream[len(downstream)-1], s.Timeout, nil), 1, "", "WARNING: Retrying (Retry(total=4)) after connection broken\nERROR: Could not find a version that satisfies the requirement pytest")
	for _, tc := range []struct {
		name       string
		answer     override
		verdict    outcome.Verdict
		reason     string   // substring of the reason
		notQueried []string // leaves that must not be asked for
		log        string   // substring of the suite's log
	}{
		{name: "passes", verdict: outcome.Passed},
		{name: "tests fail", verdict: outcome.Failed, answer: func(c enginetest.Chain) (any, bool, error) {
			switch c.Leaf().Name {
			case "exitCode":
				return 1, true, nil
			case "size":
				return len(junitXML("pipeline", true)), true, nil
			case "contents":
				return junitXML("pipeline", true), true, nil
			}
			return nil, false, nil
		}},
		{name: "nothing collected", verdict: outcome.NoTests, reason: "collected no tests", notQueried: []string{"contents", "size"},
			answer: leafIs("exitCode", 5)},
		{name: "contract path missing", verdict: outcome.NoTests, reason: "tests/contracts does not exist", notQueried: []string{"exitCode"},
			answer: leafIs("exists", false)},
		{name: "pytest hits the timeout", verdict: outcome.Timeout, notQueried: []string{"contents"},
			answer: leafIs("exitCode", timeoutExit)},
		{name: "pytest killed after ignoring TERM", verdict: outcome.Timeout, notQueried: []string{"contents"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				switch c.Leaf().Name {
				case "exitCode":
					return killedExit, true, nil
				case "combinedOutput":
					return "collected 2 items\ntimeout: sending signal TERM to command 'python'\n" + killNotice + "'python'\n", true, nil
				}
				return nil, false, nil
			}},
		{name: "pytest killed by something else", verdict: outcome.Error, reason: "pytest exited 137",
			answer: func(c enginetest.Chain) (any, bool, error) {
				switch c.Leaf().Name {
				case "exitCode":
					return killedExit, true, nil
				case "size":
					return nil, true, errors.New("no such file or directory")
				}
				return nil, false, nil
			}},
		{name: "install killed after ignoring TERM", verdict: outcome.Timeout, notQueried: []string{"exitCode"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				if isLayerSync(c, 1) {
					return nil, true, enginetest.ExecError([]string{"timeout"}, killedExit, "", killNotice+"‘python’\n")
				}
				return nil, false, nil
			}},
		{name: "install killed by something else", verdict: outcome.Error, reason: "failed (exit 137)", notQueried: []string{"exitCode"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				if isLayerSync(c, 1) {
					return nil, true, enginetest.ExecError([]string{"timeout"}, killedExit, "", "Killed\n")
				}
				return nil, false, nil
			}},
		{name: "install hits the timeout", verdict: outcome.Timeout, notQueried: []string{"exitCode"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				if isLayerSync(c, 1) {
					return nil, true, enginetest.ExecError([]string{"timeout"}, timeoutExit, "", "")
				}
				return nil, false, nil
			}},
		{name: "install fails", verdict: outcome.Error, reason: "install pytest failed (exit 1): ERROR: Could not find a version", notQueried: []string{"exitCode"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				if isLayerSync(c, 1) {
					return nil, true, installErr
				}
				return nil, false, nil
			}},
		{name: "core install fails", verdict: outcome.Error, reason: "install core failed (exit 1)", notQueried: []string{"exitCode"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				if isLayerSync(c, 3) {
					return nil, true, enginetest.ExecError(execArgv(s.StepsOf(plan.LayerCore)[0], s.Timeout, &builtWheel{name: testWheel}), 1, "", "bad wheel")
				}
				return nil, false, nil
			}},
		{name: "core build fails", verdict: outcome.Error, reason: "build core failed (exit 1): ModuleNotFoundError: No module named 'hatchling'", notQueried: []string{"exitCode"},
			log: "Traceback (most recent call last):\nModuleNotFoundError: No module named 'hatchling'",
			answer: func(c enginetest.Chain) (any, bool, error) {
				if c.Leaf().Name == "entries" {
					return nil, true, enginetest.ExecError([]string{"timeout", "python", plan.BuildHelperPath}, 1, "", "Traceback (most recent call last):\nModuleNotFoundError: No module named 'hatchling'\n")
				}
				return nil, false, nil
			}},
		{name: "downstream clone fails", verdict: outcome.Error, reason: "clone downstream: repository not found", notQueried: []string{"exitCode"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				if isTreeSync(c, "https://git.example/pipeline.git") {
					return nil, true, errors.New("repository not found")
				}
				return nil, false, nil
			}},
		{name: "core clone fails", verdict: outcome.Error, reason: "clone core: ", notQueried: []string{"exitCode"},
			answer: func(c enginetest.Chain) (any, bool, error) {
				if isTreeSync(c, "https://git.example/core.git") {
					return nil, true, errors.New("unknown commit")
				}
				return nil, false, nil
			}},
		{name: "report missing", verdict: outcome.Error, reason: "JUnit report is unusable", answer: func(c enginetest.Chain) (any, bool, error) {
			switch c.Leaf().Name {
			case "exitCode":
				return 1, true, nil
			case "size":
				return nil, true, errors.New("no such file or directory")
			}
			return nil, false, nil
		}},
		{name: "report too large", verdict: outcome.Error, reason: "larger than", notQueried: []string{"contents"},
			answer: leafIs("size", junit.MaxReportSize+1)},
		{name: "report garbage", verdict: outcome.Error, reason: "unusable", answer: func(c enginetest.Chain) (any, bool, error) {
			switch c.Leaf().Name {
			case "size":
				return 7, true, nil
			case "contents":
				return "not xml", true, nil
			}
			return nil, false, nil
		}},
		{name: "collection error", verdict: outcome.Error, reason: "pytest exited 2 (collection error", answer: leafIs("exitCode", 2)},
		{name: "a module Core broke at import", verdict: outcome.Failed,
			reason: "could not collect tests/contracts/test_rates.py:3: ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'",
			answer: pytestReport(1, collectionXML("test_rates", "ImportError: cannot import name 'RateAdjustment' from 'market_data_core.telemetry'", "core: ImportError from market_data_core.telemetry"))},
		{name: "a module missing a third-party package", verdict: outcome.Error,
			reason: "ModuleNotFoundError: No module named 'loguru' (the environment, not Core: module loguru is not installed)",
			answer: pytestReport(1, collectionXML("test_logs", "ModuleNotFoundError: No module named 'loguru'", "missing: loguru"))},
		{name: "pytest cannot start", verdict: outcome.Error, reason: "pytest could not start", answer: func(c enginetest.Chain) (any, bool, error) {
			if c.Leaf().Name == "exitCode" {
				return nil, true, errors.New("exec: \"python\": executable file not found")
			}
			return nil, false, nil
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := enginetest.Use(t, func(c enginetest.Chain) (any, error) {
				if tc.answer != nil {
					if v, ok, err := tc.answer(c); ok {
						return v, err
					}
				}
				return passingSuite(c)
			})
			r := suiteRunner{image: "python:3.11-slim", sources: gitSources{}, wheels: &wheelBuilds{}}
			got, log := r.run(context.Background(), job{label: "v2.0.0", suite: s, build: p.CoreBuild})
			if got.Verdict != tc.verdict || !strings.Contains(got.Reason, tc.reason) {
				t.Errorf("verdict %s %q, want %s with %q", got.Verdict, got.Reason, tc.verdict, tc.reason)
			}
			if !strings.Contains(log, tc.log) {
				t.Errorf("log %q lacks %q", log, tc.log)
			}
			if got.Name != "pipeline" || got.Core.SHA != s.Core.SHA || got.Downstream.SHA != s.Downstream.SHA {
				t.Errorf("outcome lost the plan's sources: %+v", got)
			}
			for _, leaf := range tc.notQueried {
				for _, q := range e.Leaves(leaf) {
					if !isPinFacts(q) {
						t.Errorf("asked for %s: %s", leaf, q)
						break
					}
				}
			}
			if tc.verdict == outcome.Passed && (got.Pin == nil || got.Pin.CoreVersion != "2.0.0" || len(got.Pin.Requirements) != 1) {
				t.Errorf("readiness facts not read: %+v", got.Pin)
			}
		})
	}
}

// pinFactsJSON is what the core layer's installer writes for readiness.
const pinFactsJSON = `{"core_version": "2.0.0", "requirements": [{"requirement": "market-data-core>=1.1", "specifier": ">=1.1", "applies": true, "declared_in": "pyproject.toml", "admits": true}], "error": ""}`

// isPinFacts reports whether c reads the readiness facts file.
func isPinFacts(c enginetest.Chain) bool {
	for _, f := range c {
		if f.Name == "file" && f.Str("path") == "/work/"+plan.PinFactsPath {
			return true
		}
	}
	return false
}

// leafIs answers the named leaf with v.
func leafIs(leaf string, v any) override {
	return func(c enginetest.Chain) (any, bool, error) {
		if c.Leaf().Name == leaf {
			return v, true, nil
		}
		return nil, false, nil
	}
}

func TestFactsWithoutWork(t *testing.T) {
	e := enginetest.Use(t, passingSuite)
	r := suiteRunner{image: "python:3.11-slim", sources: gitSources{}, wheels: &wheelBuilds{}}
	s, _ := oneSuite(t)
	s.Error = "downstream pipeline: ref \"main\": not found"
	got, _ := r.run(context.Background(), job{suite: s})
	if got.Verdict != outcome.Error || got.Reason != s.Error {
		t.Errorf("unresolved suite: %s %q", got.Verdict, got.Reason)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	s.Error = ""
	got, _ = r.run(ctx, job{suite: s})
	if got.Verdict != outcome.Error || !strings.Contains(got.Reason, "cancelled") {
		t.Errorf("cancelled run: %s %q", got.Verdict, got.Reason)
	}
	if q := e.Queries(); len(q) != 0 {
		t.Errorf("%d queries for suites that cannot run, first %s", len(q), q[0].Text)
	}
}

func TestSuiteDeadline(t *testing.T) {
	enginetest.Use(t, func(c enginetest.Chain) (any, error) {
		if c.Leaf().Name == "exitCode" {
			time.Sleep(1500 * time.Millisecond) // longer than the suite's 1s
		}
		return passingSuite(c)
	})
	s, p := oneSuite(t)
	s.Timeout = time.Second
	r := suiteRunner{image: "python:3.11-slim", sources: gitSources{}, wheels: &wheelBuilds{}}
	got, _ := r.run(context.Background(), job{suite: s, build: p.CoreBuild})
	if got.Verdict != outcome.Timeout {
		t.Errorf("suite past its deadline: %s %q, want timeout", got.Verdict, got.Reason)
	}
}
