package forge

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// maxResponse bounds how much of a forge's answer is read.
const maxResponse = 8 << 20

// api is the JSON-over-HTTP plumbing the forge clients share.
type api struct {
	forge  string
	root   string // API root URL, no trailing slash
	client *http.Client
	auth   func(http.Header) // sets the credential header
	log    *slog.Logger
}

// do sends in (when non-nil) as JSON to root+path and decodes the answer into
// out (when non-nil). path must already be escaped.
func (a *api) do(ctx context.Context, method, path string, query url.Values, in, out any) (http.Header, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s API %s %s: encode request: %w", a.forge, method, path, err)
		}
		body = bytes.NewReader(b)
	}
	u := a.root + path
	if len(query) > 0 {
		u += "?" + query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s API %s %s: %w", a.forge, method, path, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "tkeops")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	a.auth(req.Header)

	resp, err := a.client.Do(req)
	if err != nil {
		// *url.Error carries the URL, which holds no credentials: they
		// travel in headers only.
		return nil, fmt.Errorf("%s API %s %s: %w", a.forge, method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return nil, fmt.Errorf("%s API %s %s: read response: %w", a.forge, method, path, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return resp.Header, &APIError{
			Forge:      a.forge,
			Method:     method,
			Path:       path,
			StatusCode: resp.StatusCode,
			Message:    errorMessage(raw),
			RetryAfter: retryAfter(resp),
		}
	}
	if out != nil && len(raw) > 0 {
		if err := json.Unmarshal(raw, out); err != nil {
			return resp.Header, fmt.Errorf("%s API %s %s: decode response: %w", a.forge, method, path, err)
		}
	}
	return resp.Header, nil
}

// errorMessage extracts the "message" (or "error") field forges put in error
// bodies, shortened.
func errorMessage(raw []byte) string {
	var e struct {
		Message any    `json:"message"`
		Error   string `json:"error"`
	}
	msg := ""
	if json.Unmarshal(raw, &e) == nil {
		switch m := e.Message.(type) {
		case string:
			msg = m
		case nil:
			msg = e.Error
		default: // GitLab sometimes answers {"message": {"field": ["…"]}}
			b, _ := json.Marshal(m)
			msg = string(b)
		}
	}
	return shorten(msg, 200)
}

func retryAfter(resp *http.Response) time.Duration {
	if s := resp.Header.Get("Retry-After"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n >= 0 {
			return time.Duration(n) * time.Second
		}
	}
	// GitHub's primary rate limit: remaining 0 and a reset time.
	if resp.Header.Get("X-RateLimit-Remaining") == "0" {
		if reset, err := strconv.ParseInt(resp.Header.Get("X-RateLimit-Reset"), 10, 64); err == nil {
			if d := time.Until(time.Unix(reset, 0)); d > 0 {
				return d
			}
			return time.Second
		}
	}
	return 0
}

// shorten cuts s to at most n runes, ending with an ellipsis when cut.
func shorten(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n-1])) + "…"
}

// validateStatus checks a Status before anything is sent.
func validateStatus(s Status) error {
	switch {
	case len(s.Revision) < 7:
		return fmt.Errorf("status %q: revision %q is not a commit SHA", s.Context, s.Revision)
	case s.Context == "":
		return fmt.Errorf("status for %s: context is empty", s.Revision)
	case !s.State.Valid():
		return fmt.Errorf("status %q: state %q is not pending, success, failure or error", s.Context, s.State)
	}
	return nil
}

// maxPages bounds pagination loops against a misbehaving server.
const maxPages = 100
