package procgroup

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestCancelKillsTheGroup: a child of the command (sleep, started by sh in
// the background) dies with it when the context ends.
func TestCancelKillsTheGroup(t *testing.T) {
	marker := filepath.Join(t.TempDir(), "alive")
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	// The child touches the marker after 2 s unless it was killed.
	cmd := exec.CommandContext(ctx, "sh", "-c", "(sleep 2; touch \"$1\") & wait", "sh", marker)
	Isolate(cmd)
	if err := cmd.Run(); err == nil {
		t.Fatal("command outlived its context")
	}
	time.Sleep(2500 * time.Millisecond)
	if _, err := os.Stat(marker); err == nil {
		t.Fatal("the background child survived the group kill")
	}
	if err := Kill(cmd); err != nil && !strings.Contains(err.Error(), "no such process") {
		t.Errorf("Kill of a gone group: %v", err)
	}
	if err := Kill(exec.Command("true")); err != nil {
		t.Errorf("Kill of an unstarted command: %v", err)
	}
}
