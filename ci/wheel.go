package main

import (
	"context"
	"fmt"
	"path"
	"strings"
	"sync"

	"dagger/market-data-contracts/internal/dagger"

	"github.com/mjdevaccount/market-data-contracts/contracts/plan"
)

// wheelMount and siteMount are where a suite's container sees Core's
// wheel directory and the unpacked wheel (plan.SiteDir).
const (
	wheelMount = "/work/core-wheel"
	siteMount  = "/work/core-site"
)

// builtWheel is Core's wheel: the directory the build left it in, its file
// name, and the directory the build unpacked it in.
type builtWheel struct {
	dir  *dagger.Directory
	name string
	site *dagger.Directory
}

// wheelBuilds builds Core's wheel once per Core source and build key in a
// run (plan.CoreBuild), however many suites install it: the first suite to
// ask runs the build exec, the others wait for it and share its result
// (or its failure). The exec itself is keyed on Core's tree, so the engine
// also reuses it across runs.
type wheelBuilds struct {
	mu     sync.Mutex
	builds map[string]*wheelBuild
}

// wheelBuild is one Core build. turn (capacity 1) is held by the suite
// that builds or reads it, so a suite waiting for another's build can
// still give up when its context ends.
type wheelBuild struct {
	turn  chan struct{}
	done  bool
	wheel builtWheel
	err   error
}

// get returns the wheel of core (tree: its files) built by b, building it
// with image on the first call for that Core and key.
func (w *wheelBuilds) get(ctx context.Context, image string, core plan.Source, b plan.CoreBuild, tree *dagger.Directory) (builtWheel, error) {
	id := core.SHA
	if id == "" {
		id = core.Local
	}
	w.mu.Lock()
	if w.builds == nil {
		w.builds = map[string]*wheelBuild{}
	}
	wb, ok := w.builds[id+"\x00"+b.Key]
	if !ok {
		wb = &wheelBuild{turn: make(chan struct{}, 1)}
		w.builds[id+"\x00"+b.Key] = wb
	}
	w.mu.Unlock()

	select {
	case wb.turn <- struct{}{}:
	case <-ctx.Done():
		return builtWheel{}, ctx.Err()
	}
	defer func() { <-wb.turn }()
	if wb.done {
		return wb.wheel, wb.err
	}
	wheel, err := buildWheel(ctx, image, b, tree)
	if ctx.Err() == nil { // a cancelled build is tried again by the next suite
		wb.done, wb.wheel, wb.err = true, wheel, err
	}
	return wheel, err
}

// buildError is a failed Core build: the reason every suite that needs
// the wheel reports, and the build's output, which each of them logs (as
// the host runner's suites do).
type buildError struct{ reason, output string }

func (e *buildError) Error() string { return e.reason }

// buildWheel runs the build steps in a container holding Core at
// plan.CoreDir and reads the name of the one wheel they left.
func buildWheel(ctx context.Context, image string, b plan.CoreBuild, tree *dagger.Directory) (builtWheel, error) {
	c := workspace(image, b.Env, b.Files).WithMountedDirectory(workPath(plan.CoreDir), tree)
	for _, st := range b.Steps {
		c = c.WithWorkdir(workPath(st.Dir)).WithExec(execArgv(st, buildTimeout, nil))
	}
	dir := c.Directory(workPath(plan.WheelDir))
	entries, err := dir.Entries(ctx)
	if err != nil {
		return builtWheel{}, &buildError{reason: stepFailure("build core", b.Steps, buildTimeout, nil, err), output: execOutput(err)}
	}
	var wheels []string
	for _, e := range entries {
		if strings.HasSuffix(e, ".whl") {
			wheels = append(wheels, path.Base(e))
		}
	}
	if len(wheels) != 1 {
		return builtWheel{}, fmt.Errorf("build core: %d wheels in %s, want 1", len(wheels), plan.WheelDir)
	}
	return builtWheel{dir: dir, name: wheels[0], site: c.Directory(workPath(plan.SiteDir))}, nil
}
