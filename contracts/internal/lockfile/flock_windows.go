package lockfile

import (
	"context"
	"errors"
	"os"
)

// flock is not implemented on Windows, where the host runner (the only
// user of these locks) does not run: see contracts/cmd/contracts.
func flock(context.Context, *os.File) error {
	return errors.New("lockfile: cross-process locks need Linux or macOS")
}
