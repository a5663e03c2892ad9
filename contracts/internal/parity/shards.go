package main

import (
	"context"
	"fmt"
	"strings"
)

// shardCount is how many shards the sharded cases split into.
const shardCount = 2

// sharded runs a piece of work (cmd on the host, fn in the module, with
// hargs and margs) as shardCount shards on each side, merges each side's
// shards (contracts merge; the module's merge), and compares the merged
// reports between the runners and, on each side, with the same work run
// unsharded: merged shards must answer as the whole run does.
func (w *world) sharded(cmd, fn string, hargs, margs []string) func(context.Context) row {
	return func(ctx context.Context) row {
		m, err := w.matrixFile("matrix.yaml", nil)
		if err != nil {
			return row{}.broken("setup", err, proc{})
		}
		hargs := append([]string{"--matrix", m}, hargs...)
		margs := append([]string{"--matrix=" + m}, margs...)
		var r row
		var hostShards, moduleShards []string
		for k := 1; k <= shardCount; k++ {
			spec := fmt.Sprintf("%d/%d", k, shardCount)
			hd, md := w.reportDir("host-shard"), w.reportDir("module-shard")
			h := w.host(ctx, cmd, append(hargs, "--shard", spec, "--out", hd)...)
			mp := w.module(ctx, append(append([]string{fn}, margs...), "--shard="+spec, "reports", "export", "--path="+md)...)
			r.hostTime, r.moduleTime = r.hostTime+h.elapsed, r.moduleTime+mp.elapsed
			if h.code > 1 || h.err != nil {
				return r.broken("host shard "+spec, h.err, h)
			}
			if mp.code != 0 {
				return r.broken("module shard "+spec, mp.err, mp)
			}
			hostShards, moduleShards = append(hostShards, hd), append(moduleShards, md)
		}
		p := pair{hostDir: w.reportDir("host-merged"), moduleDir: w.reportDir("module-merged")}
		p.host = w.hostPlain(ctx, nil, append([]string{"merge", "--out", p.hostDir}, hostShards...)...)
		dirs := "--dirs=" + strings.Join(moduleShards, ",")
		p.module = w.module(ctx, "merge", dirs, "reports", "export", "--path="+p.moduleDir)
		check := w.module(ctx, "merge", dirs, "check")
		out := compareReports(p, &check)
		out.hostTime, out.moduleTime = out.hostTime+r.hostTime, out.moduleTime+r.moduleTime
		// Each side's merged shards against its own unsharded run; a run
		// that failed (host exit > 1, module any) is reported with its
		// output instead.
		wholeHost, wholeModule := w.reportDir("host-whole"), w.reportDir("module-whole")
		wh := w.host(ctx, cmd, append(hargs, "--out", wholeHost)...)
		wm := w.module(ctx, append(append([]string{fn}, margs...), "reports", "export", "--path="+wholeModule)...)
		out.hostTime, out.moduleTime = out.hostTime+wh.elapsed, out.moduleTime+wm.elapsed
		for _, side := range []struct {
			name          string
			merged, whole string
			p             proc
			failed        bool
		}{
			{"host", p.hostDir, wholeHost, wh, wh.err != nil || wh.code > 1},
			{"module", p.moduleDir, wholeModule, wm, wm.code != 0},
		} {
			if side.failed {
				out = out.broken(side.name+"'s unsharded run", side.p.err, side.p)
				continue
			}
			merged, err1 := loadAnswer(side.merged, newNormalizer())
			whole, err2 := loadAnswer(side.whole, newNormalizer())
			if err := firstErr(err1, err2); err != nil {
				out.diffs = append(out.diffs, fmt.Sprintf("%s: %v", side.name, err))
				continue
			}
			for _, d := range diff(merged, whole, 6) {
				out.diffs = append(out.diffs, fmt.Sprintf("%s's merged shards (as \"host\") against its unsharded run (as \"module\"): %s", side.name, d))
			}
		}
		return out
	}
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
