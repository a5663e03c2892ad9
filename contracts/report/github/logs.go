package github

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// MaxLog bounds the log tail printed per suite.
const MaxLog = 200 << 10

// logTail returns the last limit bytes of the log at rel inside dir, from a
// line start, or a note saying why there is none. The log is opened
// through an os.Root: a crafted path cannot read outside dir.
func logTail(dir, rel string, limit int64) string {
	if dir == "" {
		return "(log not available here: no report directory)"
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return fmt.Sprintf("(log not available: %v)", err)
	}
	defer root.Close()
	f, err := root.Open(filepath.FromSlash(rel))
	if err != nil {
		return fmt.Sprintf("(log not available: %v)", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return fmt.Sprintf("(log not available: %v)", err)
	}
	skipped := max(st.Size()-limit, 0)
	b, err := io.ReadAll(io.NewSectionReader(f, skipped, limit))
	if err != nil {
		return fmt.Sprintf("(log not readable: %v)", err)
	}
	text := string(b)
	if skipped > 0 {
		if i := strings.IndexByte(text, '\n'); i >= 0 {
			skipped, text = skipped+int64(i+1), text[i+1:]
		}
		text = fmt.Sprintf("[... first %d bytes of the log left out]\n", skipped) + text
	}
	return strings.ToValidUTF8(strings.TrimRight(text, "\n"), "?")
}
