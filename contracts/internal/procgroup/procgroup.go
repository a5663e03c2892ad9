// Package procgroup runs commands as leaders of their own process group,
// so that a timeout or a cancel kills everything they started.
package procgroup

import (
	"errors"
	"os/exec"
	"syscall"
)

// Isolate makes cmd lead a new process group, killed whole when cmd's
// context ends. Call it before cmd.Start.
func Isolate(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return Kill(cmd) }
}

// Kill sends SIGKILL to cmd's process group; a command not started or a
// group already gone is not an error.
func Kill(cmd *exec.Cmd) error {
	if cmd.Process == nil {
		return nil
	}
	if err := syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		return err
	}
	return nil
}
