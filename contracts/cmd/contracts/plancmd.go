package main

import (
	"context"
	"encoding/json"
	"io"
)

// cmdPlan prints the plans as JSON: every source with its resolved SHA,
// every argv, environment and timeout. It runs nothing but git resolution.
func cmdPlan(ctx context.Context, args []string, stdout, stderr io.Writer) (int, error) {
	var o options
	if err := o.parse(newFlagSet("plan", &o, stderr, planGroups), args); err != nil {
		return exitUsage, err
	}
	m, err := o.loadMatrix()
	if err != nil {
		return exitUsage, err
	}
	r, err := newRunner(&o, stderr)
	if err != nil {
		return exitUsage, err
	}
	defer r.Close()
	entries, err := plans(ctx, &o, m, r)
	if err != nil {
		return exitUsage, err
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return exitOK, enc.Encode(entries)
}
