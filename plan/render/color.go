package render

import (
	"io"
	"os"

	"golang.org/x/term"
)

// TerminalColor reports whether output written to w should be coloured: w is a
// terminal, and neither noColor (--no-color) nor $NO_COLOR turns colour off.
func TerminalColor(w io.Writer, noColor bool) bool {
	if noColor || os.Getenv("NO_COLOR") != "" {
		return false
	}
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}
