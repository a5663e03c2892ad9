// Package readiness answers a Core maintainer's second question, "what
// happens when I release this?", for each downstream: does the
// downstream's declared requirement on Core (its pin) admit the Core
// version under test, and do its contracts hold against it?
//
//	pin admits   contracts hold   readiness
//	yes          yes              ready        the next install just works
//	no           yes              needs-bump   it will take it once its pin is bumped
//	yes          no               breaks-now   the next install breaks it
//	no           no               blocked      its pin keeps it out; bumping it would break it
//	(no pin found, the pin could not be read, or the contracts did not run: unknown, with the reason)
//
// The pin facts come from the suite's own interpreter (the plan's Python
// helpers read requirement declarations with pip's parser and compare
// versions with the packaging pip vendors: what pip itself would decide,
// markers evaluated where the suite runs); this package only combines them
// with the contract result.
package readiness

import (
	"encoding/json"
	"fmt"
	"strings"
)

// Value is a downstream's readiness for a Core version.
type Value string

// The values, in the order reports list them.
const (
	Ready     Value = "ready"
	NeedsBump Value = "needs-bump"
	BreaksNow Value = "breaks-now"
	Blocked   Value = "blocked"
	Unknown   Value = "unknown"
)

// Values lists every value in report order.
var Values = []Value{Ready, NeedsBump, BreaksNow, Blocked, Unknown}

// Requirement is one declared requirement on Core.
type Requirement struct {
	// Requirement is the line as declared ("market-data-core>=1.1,<1.2 ; python_version >= \"3.11\"").
	Requirement string `json:"requirement"`
	// Specifier is its version specifier (">=1.1,<1.2"; "" for any version).
	Specifier string `json:"specifier"`
	// Marker is its environment marker ("" for none); Applies says whether
	// the marker holds for the suite's interpreter.
	Marker  string `json:"marker,omitempty"`
	Applies bool   `json:"applies"`
	// DeclaredIn names the file that declares it (pyproject.toml,
	// requirements.txt, ...), relative to the downstream checkout.
	DeclaredIn string `json:"declared_in"`
	// Admits says whether the specifier admits the Core version under test
	// (prereleases included: a pin's range is what is asked).
	Admits bool `json:"admits"`
}

// Pin is what the suite's interpreter found: Core's version under test,
// the downstream's requirements on Core, and whether they admit it.
type Pin struct {
	// CoreVersion is the version of the Core wheel installed.
	CoreVersion string `json:"core_version"`
	// Requirements are the downstream's requirements on Core.
	Requirements []Requirement `json:"requirements"`
	// Error says why the declarations could not be read ("" when they were).
	Error string `json:"error,omitempty"`
}

// Parse reads the facts the plan's Core installer writes (see
// plan.Suite.PinFacts).
func Parse(data []byte) (*Pin, error) {
	var p Pin
	if err := json.Unmarshal(data, &p); err != nil {
		return nil, fmt.Errorf("core pin facts: %w", err)
	}
	return &p, nil
}

// Admits says whether the pin admits its Core version: every requirement
// whose marker applies must (pip must satisfy them all). ok is false, with
// the reason, when nothing can be said: no requirement found, none that
// applies, or the declarations could not be read.
func (p *Pin) Admits() (admits bool, reason string, ok bool) {
	switch {
	case p == nil:
		return false, "the pin was not read", false
	case p.Error != "":
		return false, "the pin could not be read: " + p.Error, false
	case len(p.Requirements) == 0:
		return false, "it declares no requirement on Core", false
	}
	var applying []Requirement
	for _, r := range p.Requirements {
		if r.Applies {
			applying = append(applying, r)
		}
	}
	if len(applying) == 0 {
		return false, "no requirement on Core applies to this interpreter (markers)", false
	}
	for _, r := range applying {
		if !r.Admits {
			return false, fmt.Sprintf("%s excludes %s (%s)", describe(r), p.CoreVersion, r.DeclaredIn), true
		}
	}
	return true, fmt.Sprintf("%s admits %s (%s)", describe(applying[0]), p.CoreVersion, applying[0].DeclaredIn), true
}

func describe(r Requirement) string {
	if r.Specifier == "" {
		return "an unpinned requirement"
	}
	return r.Specifier
}

// Of is the readiness of a downstream whose pin is p, given whether its
// contracts hold against that Core (ran: whether they ran to a result at
// all), with the reason.
func Of(p *Pin, ran, hold bool) (Value, string) {
	admits, why, ok := p.Admits()
	switch {
	case !ok:
		return Unknown, why
	case !ran:
		return Unknown, "the contracts did not run, so nothing says whether they hold; " + why
	case admits && hold:
		return Ready, why
	case !admits && hold:
		return NeedsBump, why
	case admits:
		return BreaksNow, why + ", and the contracts break"
	}
	return Blocked, why + ", and the contracts break"
}

// Summary is the release line: "Core 2.0.0: 1 ready, 1 needs-bump, 1
// breaks-now" (values with no downstream left out).
func Summary(coreVersion string, counts map[Value]int) string {
	var parts []string
	for _, v := range Values {
		if counts[v] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[v], v))
		}
	}
	if coreVersion == "" {
		coreVersion = "(version unknown)"
	}
	if len(parts) == 0 {
		return "Core " + coreVersion + ": no downstream"
	}
	return "Core " + coreVersion + ": " + strings.Join(parts, ", ")
}
