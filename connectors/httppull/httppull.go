// Package httppull is the connector for departments and sensor platforms
// that publish over an HTTP API: paged JSON (or CSV/xlsx downloads), an auth
// header taken from the environment, retries with exponential backoff, and
// conditional requests (ETag / Last-Modified) so unchanged pages are not
// fetched twice.
package httppull

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/lake"
)

func init() {
	connectors.RegisterKind("http", func(s map[string]string) (connectors.Connector, error) { return New(s) })
}

// Puller fetches one endpoint, page by page.
type Puller struct {
	URL        string
	Format     string
	AuthHeader string
	AuthValue  string
	PageParam  string
	SizeParam  string
	PageSize   int
	StartPage  int
	MaxPages   int
	Retries    int
	Backoff    time.Duration
	MaxBytes   int64
	// StateFile keeps each page's validators between runs.
	StateFile string
	Client    *http.Client

	mu    sync.Mutex
	state map[string]validators
}

type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// New builds a puller from job settings: url, format (json, csv, xlsx),
// auth_header (default Authorization), auth_env (the variable holding the
// header's value, e.g. "Bearer …"), page_param, page_size_param, page_size,
// start_page, max_pages, retries, backoff, timeout, max_bytes, state_file.
func New(s map[string]string) (*Puller, error) {
	p := &Puller{
		URL: s["url"], Format: s["format"], AuthHeader: s["auth_header"], PageParam: s["page_param"],
		SizeParam: s["page_size_param"], PageSize: 500, StartPage: 1, MaxPages: 10000, Retries: 4,
		Backoff: 500 * time.Millisecond, MaxBytes: 64 << 20, StateFile: s["state_file"],
	}
	if p.URL == "" {
		return nil, fmt.Errorf("http: setting url is required")
	}
	if _, err := url.Parse(p.URL); err != nil {
		return nil, fmt.Errorf("http: url %q: %w", p.URL, err)
	}
	if p.Format == "" {
		p.Format = "json"
	}
	if p.AuthHeader == "" {
		p.AuthHeader = "Authorization"
	}
	if env := s["auth_env"]; env != "" {
		p.AuthValue = os.Getenv(env)
		if p.AuthValue == "" {
			return nil, fmt.Errorf("http: auth_env %s is not set in the environment", env)
		}
	}
	ints := map[string]*int{"page_size": &p.PageSize, "start_page": &p.StartPage, "max_pages": &p.MaxPages, "retries": &p.Retries}
	for k, dst := range ints {
		if v := s[k]; v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return nil, fmt.Errorf("http: %s %q: want a whole number", k, v)
			}
			*dst = n
		}
	}
	timeout := 30 * time.Second
	for k, dst := range map[string]*time.Duration{"backoff": &p.Backoff, "timeout": &timeout} {
		if v := s[k]; v != "" {
			d, err := time.ParseDuration(v)
			if err != nil {
				return nil, fmt.Errorf("http: %s %q: %w", k, v, err)
			}
			*dst = d
		}
	}
	p.Client = &http.Client{Timeout: timeout}
	return p, nil
}

func (p *Puller) pageURL(page int) string {
	if p.PageParam == "" {
		return p.URL
	}
	u, _ := url.Parse(p.URL)
	q := u.Query()
	q.Set(p.PageParam, strconv.Itoa(page))
	if p.SizeParam != "" {
		q.Set(p.SizeParam, strconv.Itoa(p.PageSize))
	}
	u.RawQuery = q.Encode()
	return u.String()
}

// Pull fetches every page and yields those that changed. Paging stops at
// the first page with no records (or after one page without page_param).
func (p *Puller) Pull(ctx context.Context, yield func(connectors.Item) error) error {
	p.loadState()
	for i := 0; i < p.MaxPages; i++ {
		u := p.pageURL(p.StartPage + i)
		body, hdr, status, err := p.fetch(ctx, u)
		if err != nil {
			return err
		}
		if status == http.StatusNotModified {
			// Unchanged since the last run: its rows are already in the lake.
			if p.PageParam == "" {
				return nil
			}
			continue
		}
		if p.Format == "json" && p.PageParam != "" && emptyPage(body) {
			return nil
		}
		submitted := time.Now().UTC()
		if t, err := http.ParseTime(hdr.Get("Last-Modified")); err == nil {
			submitted = t.UTC()
		}
		v := validators{ETag: hdr.Get("ETag"), LastModified: hdr.Get("Last-Modified")}
		item := connectors.Item{
			Source:      "http:" + p.URL,
			Name:        u,
			Format:      p.Format,
			SubmittedAt: submitted,
			Open:        func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
			Ack: func(bool) error {
				// Remember the validators only once the page is in the lake,
				// so a failed run fetches it again.
				return p.remember(u, v)
			},
		}
		if err := yield(item); err != nil {
			return err
		}
		if p.PageParam == "" {
			return nil
		}
	}
	return nil
}

// fetch GETs u with retries: network errors, 5xx and 429 are retried with
// exponential backoff and jitter (honouring Retry-After); other 4xx fail.
func (p *Puller) fetch(ctx context.Context, u string) ([]byte, http.Header, int, error) {
	var lastErr error
	for attempt := 0; attempt <= p.Retries; attempt++ {
		if attempt > 0 {
			wait := p.Backoff << (attempt - 1)
			wait += time.Duration(rand.Int64N(int64(wait/4) + 1))
			if ra, ok := lastErr.(retryAfter); ok && ra.d > 0 {
				wait = ra.d
			}
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return nil, nil, 0, ctx.Err()
			}
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
		if err != nil {
			return nil, nil, 0, err
		}
		if p.AuthValue != "" {
			req.Header.Set(p.AuthHeader, p.AuthValue)
		}
		if v, ok := p.validatorsFor(u); ok {
			if v.ETag != "" {
				req.Header.Set("If-None-Match", v.ETag)
			}
			if v.LastModified != "" {
				req.Header.Set("If-Modified-Since", v.LastModified)
			}
		}
		resp, err := p.Client.Do(req)
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, 0, ctx.Err()
			}
			lastErr = fmt.Errorf("GET %s: %w", redact(u), err)
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, p.MaxBytes+1))
		resp.Body.Close()
		switch {
		case err != nil:
			lastErr = fmt.Errorf("GET %s: reading body: %w", redact(u), err)
			continue
		case resp.StatusCode == http.StatusNotModified:
			return nil, resp.Header, resp.StatusCode, nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			lastErr = retryAfter{fmt.Errorf("GET %s: %s", redact(u), resp.Status), parseRetryAfter(resp.Header.Get("Retry-After"))}
			continue
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, nil, 0, fmt.Errorf("GET %s: %s: check the credentials in the job's auth_env", redact(u), resp.Status)
		case resp.StatusCode >= 400:
			return nil, nil, 0, fmt.Errorf("GET %s: %s", redact(u), resp.Status)
		case int64(len(body)) > p.MaxBytes:
			return nil, nil, 0, fmt.Errorf("GET %s: response larger than %d bytes", redact(u), p.MaxBytes)
		}
		return body, resp.Header, resp.StatusCode, nil
	}
	return nil, nil, 0, fmt.Errorf("after %d attempts: %w", p.Retries+1, lastErr)
}

type retryAfter struct {
	error
	d time.Duration
}

func parseRetryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(v); err == nil && n >= 0 && n < 3600 {
		return time.Duration(n) * time.Second
	}
	return 0
}

// redact drops credentials a URL may carry in its query.
func redact(u string) string {
	parsed, err := url.Parse(u)
	if err != nil {
		return u
	}
	q := parsed.Query()
	for k := range q {
		if lk := strings.ToLower(k); strings.Contains(lk, "token") || strings.Contains(lk, "key") || strings.Contains(lk, "secret") {
			q.Set(k, "REDACTED")
		}
	}
	parsed.RawQuery = q.Encode()
	parsed.User = nil
	return parsed.String()
}

// emptyPage reports whether a JSON page holds no records.
func emptyPage(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) == 0 || string(b) == "[]" || string(b) == "null" {
		return true
	}
	var wrapped map[string]json.RawMessage
	if b[0] == '{' && json.Unmarshal(b, &wrapped) == nil {
		for _, k := range []string{"data", "items", "records", "rows", "results"} {
			if v, ok := wrapped[k]; ok {
				var arr []json.RawMessage
				return json.Unmarshal(v, &arr) == nil && len(arr) == 0
			}
		}
	}
	return false
}

func (p *Puller) loadState() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state = map[string]validators{}
	if p.StateFile == "" {
		return
	}
	if b, err := os.ReadFile(p.StateFile); err == nil {
		json.Unmarshal(b, &p.state)
	}
}

func (p *Puller) validatorsFor(u string) (validators, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	v, ok := p.state[u]
	return v, ok && (v.ETag != "" || v.LastModified != "")
}

func (p *Puller) remember(u string, v validators) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.state[u] = v
	if p.StateFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(p.state, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(p.StateFile), 0o755); err != nil {
		return err
	}
	if err := lake.WriteFileAtomic(p.StateFile, b); err != nil {
		return errors.Join(fmt.Errorf("http: save state %s", p.StateFile), err)
	}
	return nil
}
