//go:build unix

// Package procgroup runs commands as leaders of their own process group,
// so that a timeout or a cancel kills everything they started.
//
// Process groups are POSIX: on Windows (where the host runner does not
// run, see contracts/cmd/contracts) Kill ends the command's own process
// only.
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

// KillPID sends SIGKILL to one process.
func KillPID(pid int) error { return syscall.Kill(pid, syscall.SIGKILL) }
