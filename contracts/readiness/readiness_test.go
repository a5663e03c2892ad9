package readiness

import (
	"strings"
	"testing"
)

func pin(version string, reqs ...Requirement) *Pin {
	return &Pin{CoreVersion: version, Requirements: reqs}
}

func req(spec, file string, applies, admits bool) Requirement {
	return Requirement{Requirement: "market-data-core" + spec, Specifier: spec, Applies: applies, DeclaredIn: file, Admits: admits}
}

func TestOf(t *testing.T) {
	admitting, excluding := req(">=1.1", "pyproject.toml", true, true), req("<1.2,>=1.1", "requirements.txt", true, false)
	for _, tc := range []struct {
		name      string
		pin       *Pin
		ran, hold bool
		want      Value
		reason    string
	}{
		{"ready", pin("2.0.0", admitting), true, true, Ready, ">=1.1 admits 2.0.0 (pyproject.toml)"},
		{"needs a bump", pin("2.0.0", excluding), true, true, NeedsBump, "<1.2,>=1.1 excludes 2.0.0 (requirements.txt)"},
		{"breaks now", pin("2.0.0", admitting), true, false, BreaksNow, "and the contracts break"},
		{"blocked", pin("2.0.0", excluding), true, false, Blocked, "excludes 2.0.0"},
		{"every applying pin must admit", pin("2.0.0", admitting, excluding), true, true, NeedsBump, "requirements.txt"},
		{"a pin whose marker does not apply is ignored", pin("2.0.0", admitting, req("<2", "r.txt", false, false)), true, true, Ready, ""},
		{"no applying pin", pin("2.0.0", req("<2", "r.txt", false, false)), true, true, Unknown, "markers"},
		{"unpinned admits everything", pin("2.0.0", req("", "pyproject.toml", true, true)), true, true, Ready, "an unpinned requirement"},
		{"no requirement", pin("2.0.0"), true, true, Unknown, "declares no requirement"},
		{"unreadable", &Pin{CoreVersion: "2.0.0", Error: "requirements.txt: truncated data"}, true, true, Unknown, "truncated data"},
		{"not read", nil, true, true, Unknown, "not read"},
		{"contracts did not run", pin("2.0.0", admitting), false, false, Unknown, "did not run"},
	} {
		v, why := Of(tc.pin, tc.ran, tc.hold)
		if v != tc.want || !strings.Contains(why, tc.reason) {
			t.Errorf("%s: %s (%q), want %s with %q", tc.name, v, why, tc.want, tc.reason)
		}
	}
}

func TestSummaryAndParse(t *testing.T) {
	got := Summary("2.0.0", map[Value]int{BreaksNow: 1, Ready: 1, NeedsBump: 1})
	if got != "Core 2.0.0: 1 ready, 1 needs-bump, 1 breaks-now" { // report.Release adds the run
		t.Errorf("Summary = %q", got)
	}
	p, err := Parse([]byte(`{"core_version": "1.2.0", "requirements": [{"requirement": "market-data-core>=1.1", "specifier": ">=1.1", "applies": true, "declared_in": "pyproject.toml", "admits": true}]}`))
	if err != nil || p.CoreVersion != "1.2.0" || len(p.Requirements) != 1 || !p.Requirements[0].Admits {
		t.Errorf("Parse = %+v, %v", p, err)
	}
	if _, err := Parse([]byte("not json")); err == nil {
		t.Error("garbage parsed")
	}
}
