package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
)

// compareGitHub reads the host's reports in dir through the module
// (`from-reports --dir=DIR` with check, github-summary, github-output and
// workflow-commands) and compares each with what the host's `report
// --format github` writes to the same files and stdout.
func compareGitHub(ctx context.Context, w *world, dir string) row {
	hostSummary, hostOutput := filepath.Join(w.dir, "host-step-summary.md"), filepath.Join(w.dir, "host-github-output")
	for _, f := range []string{hostSummary, hostOutput} {
		os.Remove(f)
	}
	h := w.hostPlain(ctx, []string{"GITHUB_STEP_SUMMARY=" + hostSummary, "GITHUB_OUTPUT=" + hostOutput, "GITHUB_ACTIONS=true"},
		"report", "--from", dir, "--format", "github")
	modSummary, modOutput := filepath.Join(w.dir, "module-step-summary.md"), filepath.Join(w.dir, "module-github-output")
	from := []string{"from-reports", "--dir=" + dir}
	check := w.module(ctx, append(from, "check")...)
	sum := w.module(ctx, append(from, "github-summary", "export", "--path="+modSummary)...)
	out := w.module(ctx, append(from, "github-output", "export", "--path="+modOutput)...)
	cmds := w.module(ctx, append(from, "workflow-commands")...)
	r := row{hostTime: h.elapsed, moduleTime: check.elapsed + sum.elapsed + out.elapsed + cmds.elapsed,
		host:   fmt.Sprintf("report exit %d", h.code),
		module: fmt.Sprintf("check exit %d", check.code)}
	for name, p := range map[string]proc{"github-summary": sum, "github-output": out, "workflow-commands": cmds} {
		if p.code != 0 {
			r.diffs = append(r.diffs, fmt.Sprintf("module %s failed: %s", name, p.tail()))
		}
	}
	if h.code != check.code && !(h.code != 0 && check.code != 0) {
		r.diffs = append(r.diffs, fmt.Sprintf("exit: host report %d, module check %d", h.code, check.code))
	}
	r.diffs = append(r.diffs, sameFile("job summary", hostSummary, modSummary)...)
	ho, mo := readOutputs(hostOutput), readOutputs(modOutput)
	if _, ok := ho["report-path"]; ok {
		delete(ho, "report-path")
		r.notes = append(r.notes, reportPath)
	}
	if !mapsEqual(ho, mo) {
		r.diffs = append(r.diffs, fmt.Sprintf("step outputs: host %v, module %v", ho, mo))
	}
	if hc, mc := commands(h.stdout), commands(cmds.stdout); hc != mc {
		r.diffs = append(r.diffs, fmt.Sprintf("workflow commands differ:\nhost:\n%s\nmodule:\n%s", clip(hc), clip(mc)))
	}
	return r
}

// reportPath: the module runs in the engine and cannot name a directory
// of the workflow's.
var reportPath = rule{name: "report-path", why: "the module cannot name a path on the workflow's machine, so its step outputs leave out report-path"}

func sameFile(what, a, b string) []string {
	da, erra := os.ReadFile(a)
	db, errb := os.ReadFile(b)
	switch {
	case erra != nil || errb != nil:
		return []string{fmt.Sprintf("%s: host %v, module %v", what, erra, errb)}
	case string(da) != string(db):
		return []string{fmt.Sprintf("%s differs (%s vs %s)", what, a, b)}
	}
	return nil
}

// heredoc is the start of a GITHUB_OUTPUT value written by
// go-githubactions: name<<delimiter.
var heredoc = regexp.MustCompile(`^([A-Za-z0-9_-]+)<<(\S+)$`)

// readOutputs reads step outputs in either GitHub form: name=value lines
// or name<<DELIMITER blocks.
func readOutputs(path string) map[string]string {
	data, _ := os.ReadFile(path)
	out := map[string]string{}
	lines := strings.Split(string(data), "\n")
	for i := 0; i < len(lines); i++ {
		if m := heredoc.FindStringSubmatch(lines[i]); m != nil {
			var val []string
			for i++; i < len(lines) && lines[i] != m[2]; i++ {
				val = append(val, lines[i])
			}
			out[m[1]] = strings.Join(val, "\n")
		} else if k, v, ok := strings.Cut(lines[i], "="); ok {
			out[k] = v
		}
	}
	return out
}

func mapsEqual(a, b map[string]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// stopToken: ::stop-commands:: takes a random token on every run, and
// ::TOKEN:: resumes commands.
var stopToken = regexp.MustCompile(`^(::stop-commands::|::)[A-Za-z0-9_-]{16,}(::)?$`)

// commands keeps the workflow command lines of out (dagger's progress
// lines stripped), random stop tokens erased.
func commands(out string) string {
	var keep []string
	for _, l := range strings.Split(out, "\n") {
		if i := strings.Index(l, "::"); i >= 0 {
			keep = append(keep, stopToken.ReplaceAllString(l[i:], "${1}<token>${2}"))
		}
	}
	slices.Sort(keep)
	return strings.Join(keep, "\n")
}

func clip(s string) string {
	if len(s) > 800 {
		return s[:800] + "..."
	}
	return s
}
