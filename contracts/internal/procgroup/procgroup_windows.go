package procgroup

import (
	"errors"
	"os"
	"os/exec"
)

// Isolate makes cmd killed when its context ends (Windows has no POSIX
// process groups: its children are not reached).
func Isolate(cmd *exec.Cmd) {
	cmd.Cancel = func() error { return Kill(cmd) }
}

// Kill ends cmd's process; a command not started or already gone is not
// an error.
func Kill(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	if err := cmd.Process.Kill(); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return err
	}
	return nil
}

// KillPID ends one process.
func KillPID(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}
