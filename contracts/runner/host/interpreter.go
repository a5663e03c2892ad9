package host

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
)

// Interpreter is what the runner learned about a Python interpreter by
// asking it once (Inspect).
type Interpreter struct {
	// Executable is its real executable (sys.executable): every later step
	// starts it directly, skipping shims (pyenv's cost a shell script and
	// a lookup per call).
	Executable string
	// Version is its version ("3.11.7").
	Version string
	// Missing lists, of the modules a run may need (Needs), those it cannot
	// import.
	Missing []string
}

// Needs returns the modules a run needs the interpreter itself to have:
// venv always; with offline (no package index), everything an install
// would otherwise fetch: pip, the setuptools build backend and wheel (for
// building Core and the editable installs), and pytest. Online, pip or
// ensurepip is enough: the rest comes from the index.
func Needs(offline bool) []string {
	if offline {
		return []string{"venv", "pip", "setuptools", "wheel", "pytest"}
	}
	return []string{"venv", "pip|ensurepip"}
}

// inspectScript prints sys.executable, the version, and each module of
// its arguments ("a|b": either) that cannot be found, without importing
// any of them.
const inspectScript = `import importlib.util, sys
print(sys.executable)
print("%d.%d.%d" % sys.version_info[:3])
for need in sys.argv[1:]:
    if not any(importlib.util.find_spec(m) for m in need.split("|")):
        print(need)
`

// Inspect asks python (a command or path; "" means Runner.Python) for its
// real executable, its version and which of the modules a run needs
// (Needs) it lacks. It runs once per interpreter and runner, without the
// token in its environment.
func (r *Runner) Inspect(ctx context.Context, python string, offline bool) (Interpreter, error) {
	if python == "" {
		python = r.Python
	}
	cmd := exec.CommandContext(ctx, python, append([]string{"-c", inspectScript}, Needs(offline)...)...)
	cmd.Env = r.childEnv()
	out, err := cmd.Output()
	if err != nil {
		return Interpreter{}, fmt.Errorf("%s: %w", python, err)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) < 2 || !filepath.IsAbs(lines[0]) {
		return Interpreter{}, fmt.Errorf("%s: cannot tell its executable and version from %q", python, out)
	}
	in := Interpreter{Executable: strings.TrimSpace(lines[0]), Version: strings.TrimSpace(lines[1]), Missing: lines[2:]}
	r.executables.Store(python, in.Executable)
	r.executables.Store(in.Executable, in.Executable)
	return in, nil
}

// executable is python's real executable (see Interpreter.Executable),
// asking it only the first time.
func (r *Runner) executable(ctx context.Context, python string) (string, error) {
	if python == "" {
		python = r.Python
	}
	if exe, ok := r.executables.Load(python); ok {
		return exe.(string), nil
	}
	in, err := r.Inspect(ctx, python, false)
	return in.Executable, err
}
