package forge

import (
	"errors"
	"fmt"
	"strings"
)

// commentBody puts marker at the top of body (unless body already carries it)
// and shortens the result to limit bytes, on a line boundary, closing an open
// code fence so the Markdown still renders.
func commentBody(marker, body string, limit int) (string, error) {
	if marker == "" {
		return "", errors.New("comment marker is empty")
	}
	if !strings.HasPrefix(marker, "<!--") || !strings.HasSuffix(marker, "-->") {
		return "", fmt.Errorf("comment marker %q must be an HTML comment (<!-- … -->) so it stays hidden", marker)
	}
	if !strings.Contains(body, marker) {
		body = marker + "\n" + body
	}
	if len(body) <= limit {
		return body, nil
	}
	const note = "\n\n_… shortened: the full plan is larger than the forge allows in a comment; see the run's details._\n"
	cut := body[:limit-len(note)-len("\n```")]
	if i := strings.LastIndexByte(cut, '\n'); i > len(marker) {
		cut = cut[:i]
	}
	if strings.Count(cut, "```")%2 == 1 {
		cut += "\n```"
	}
	return cut + note, nil
}
