package host

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"

	"github.com/mjdevaccount/market-data-contracts/contracts/internal/procgroup"
)

// tagVar is set, to a value unique to each command, in the environment of
// every process the runner starts. Descendants inherit it, so processes
// that left the command's process group (a new session, a double-forked
// daemon) are still found and killed. A process that clears or rewrites
// its environment escapes; containing those takes containers or cgroups.
const tagVar = "CONTRACTS_PROCESS_TAG"

// newTag returns a fresh tag value.
func newTag() string {
	b := make([]byte, 12)
	rand.Read(b)
	return hex.EncodeToString(b)
}

// sweep kills every process whose environment carries tag and returns how
// many it killed. It looks again while it finds some, since a process may
// fork while being swept. Without /proc (not Linux) it finds nothing.
func sweep(tag string) int {
	entry := []byte(tagVar + "=" + tag + "\x00")
	killed := 0
	for range 10 {
		found := 0
		paths, _ := filepath.Glob("/proc/[0-9]*/environ")
		for _, p := range paths {
			env, err := os.ReadFile(p)
			if err != nil || !hasEntry(env, entry) {
				continue
			}
			pid, err := strconv.Atoi(filepath.Base(filepath.Dir(p)))
			if err == nil && pid != os.Getpid() && procgroup.KillPID(pid) == nil {
				found++
			}
		}
		if found == 0 {
			return killed
		}
		killed += found
	}
	return killed
}

// hasEntry reports whether the NUL-separated environment block env holds
// entry (NAME=value followed by its NUL) as a whole entry.
func hasEntry(env, entry []byte) bool {
	return bytes.HasPrefix(env, entry) || bytes.Contains(env, append([]byte{0}, entry...))
}
