package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"
)

// row is one case's result.
type row struct {
	what         string
	host, module string
	// diffs are the differences found; none means the runners agree.
	diffs []string
	// notes are the inherent differences erased before comparing.
	notes []rule
	// skipped says why the case did not run.
	skipped              string
	hostTime, moduleTime time.Duration
}

// broken is a row for a side that produced nothing to compare.
func (r row) broken(side string, err error, p proc) row {
	msg := fmt.Sprintf("%s produced no answer", side)
	if err != nil {
		msg += ": " + err.Error()
	}
	if len(p.argv) > 0 {
		msg += "\n" + p.tail()
	}
	r.diffs = append(r.diffs, msg)
	return r
}

func (r row) status() string {
	switch {
	case r.skipped != "":
		return "not run"
	case len(r.diffs) > 0:
		return "DIFFERENT"
	case len(r.notes) > 0:
		names := make([]string, len(r.notes))
		for i, n := range r.notes {
			names[i] = n.name
		}
		return "same* (" + strings.Join(names, ", ") + ")"
	}
	return "same"
}

// printTable writes the table, then each row's differences and the
// inherent differences erased, and returns how many rows differ.
func printTable(w io.Writer, rows []row) int {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "WHAT\tHOST\tMODULE\tSAME?\tHOST s\tMODULE s")
	differ, skipped := 0, 0
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%.1f\t%.1f\n", r.what, cell(r.host), cell(r.module), r.status(), r.hostTime.Seconds(), r.moduleTime.Seconds())
		if len(r.diffs) > 0 {
			differ++
		}
		if r.skipped != "" {
			skipped++
		}
	}
	tw.Flush()
	seen := map[string]bool{}
	for _, r := range rows {
		if len(r.diffs) == 0 && r.skipped == "" {
			continue
		}
		fmt.Fprintf(w, "\n%s: %s\n", r.what, r.status())
		if r.skipped != "" {
			fmt.Fprintf(w, "  not run: %s\n", r.skipped)
		}
		for _, d := range r.diffs {
			fmt.Fprintf(w, "  - %s\n", strings.ReplaceAll(d, "\n", "\n    "))
		}
	}
	var legend []string
	for _, r := range rows {
		for _, n := range r.notes {
			if !seen[n.name] {
				seen[n.name] = true
				legend = append(legend, fmt.Sprintf("  %s: %s", n.name, n.why))
			}
		}
	}
	if len(legend) > 0 {
		fmt.Fprintf(w, "\nsame*: the same after erasing these inherent differences:\n%s\n", strings.Join(legend, "\n"))
	}
	if skipped > 0 {
		fmt.Fprintf(w, "\n%d case(s) not run: see above\n", skipped)
	}
	return differ
}

// cell keeps table cells to one line.
func cell(s string) string {
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 90 {
		s = s[:87] + "..."
	}
	if s == "" {
		return "-"
	}
	return s
}
