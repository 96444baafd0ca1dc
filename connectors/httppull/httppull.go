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
	"strconv"
	"sync"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

func init() {
	connectors.RegisterKind("http", func(s map[string]string, env connectors.Env) (connectors.Connector, error) { return New(s, env) })
}

// Puller fetches one endpoint, page by page. The tagged fields are the
// job's settings.
type Puller struct {
	URL    string `setting:"url,required"`
	Format string `setting:"format"`
	// AuthHeader carries the secret named by AuthEnv (e.g. "Bearer …").
	AuthHeader string        `setting:"auth_header"`
	AuthEnv    string        `setting:"auth_env"`
	PageParam  string        `setting:"page_param"`
	SizeParam  string        `setting:"page_size_param"`
	PageSize   int           `setting:"page_size"`
	StartPage  int           `setting:"start_page"`
	MaxPages   int           `setting:"max_pages"`
	Retries    int           `setting:"retries"`
	Backoff    time.Duration `setting:"backoff"`
	Timeout    time.Duration `setting:"timeout"`
	MaxBytes   int64         `setting:"max_bytes"`
	// State keeps each page's validators between runs; nil keeps none.
	State  connectors.State
	Client *http.Client

	authValue string
	mu        sync.Mutex
	state     map[string]validators
}

type validators struct {
	ETag         string `json:"etag,omitempty"`
	LastModified string `json:"last_modified,omitempty"`
}

// New builds a puller from job settings (see the README beside this file
// for each one and its default); the auth header's value is the secret
// env gives for auth_env.
func New(s map[string]string, env connectors.Env) (*Puller, error) {
	p := &Puller{
		Format: "json", AuthHeader: "Authorization", PageSize: 500, StartPage: 1, MaxPages: 10000, Retries: 4,
		Backoff: 500 * time.Millisecond, Timeout: 30 * time.Second, MaxBytes: 64 << 20, State: env.State,
	}
	if err := connectors.Decode("http", s, p); err != nil {
		return nil, err
	}
	u, err := url.Parse(p.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("http: url %q: want an http:// or https:// address", connectors.RedactURL(p.URL))
	}
	if p.AuthEnv != "" {
		var ok bool
		if env.Secret != nil {
			p.authValue, ok = env.Secret(p.AuthEnv)
		}
		if !ok || p.authValue == "" {
			return nil, fmt.Errorf("http: auth_env %s is not set in the environment", p.AuthEnv)
		}
	}
	p.Client = &http.Client{Timeout: p.Timeout, CheckRedirect: p.checkRedirect}
	return p, nil
}

// checkRedirect follows at most 10 redirects and sends the auth header
// only to the host (and scheme) the job names: a redirect to another host
// gets the request without it. Go drops its own Authorization header on
// such redirects, but not a custom one (X-Api-Key, X-Token).
func (p *Puller) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= 10 {
		return fmt.Errorf("stopped after 10 redirects")
	}
	first := via[0].URL
	if req.URL.Host != first.Host || req.URL.Scheme != first.Scheme {
		req.Header.Del(p.AuthHeader)
		req.Header.Del("Authorization")
	}
	return nil
}

// Close releases idle connections.
func (p *Puller) Close() error {
	p.Client.CloseIdleConnections()
	return nil
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

// pageName is how a page is named in logs, errors, the lake's lineage
// (_source, _file), manifests, the quarantine and the job's state: the
// address without credentials or the query string the job's url carries
// (where API tokens travel), plus only the paging parameters Waymark adds.
func (p *Puller) pageName(page int) string {
	name := connectors.RedactURL(p.URL)
	if p.PageParam == "" {
		return name
	}
	q := url.Values{}
	q.Set(p.PageParam, strconv.Itoa(page))
	if p.SizeParam != "" {
		q.Set(p.SizeParam, strconv.Itoa(p.PageSize))
	}
	return name + "?" + q.Encode()
}

// Pull fetches every page and yields those that changed. Paging stops at
// the first page with no records (or after one page without page_param).
func (p *Puller) Pull(ctx context.Context, yield func(connectors.Item) error) error {
	p.loadState()
	for i := 0; i < p.MaxPages; i++ {
		u, name := p.pageURL(p.StartPage+i), p.pageName(p.StartPage+i)
		body, hdr, status, err := p.fetch(ctx, u, name)
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
			Source:      "http:" + connectors.RedactURL(p.URL),
			Name:        name,
			Format:      p.Format,
			SubmittedAt: submitted,
			Open:        func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
			Ack: func(ok bool) error {
				// Remember the validators only once the page is in the lake,
				// so a failed run fetches it again; a page rejected whole (a
				// body cut short that still looked complete) is fetched again
				// too, rather than answered 304 for ever.
				if !ok {
					return p.remember(name, validators{})
				}
				return p.remember(name, v)
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
// Errors name the page by name, never by u, which may carry a token.
func (p *Puller) fetch(ctx context.Context, u, name string) ([]byte, http.Header, int, error) {
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
		if p.authValue != "" {
			req.Header.Set(p.AuthHeader, p.authValue)
		}
		if v, ok := p.validatorsFor(name); ok {
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
			// A *url.Error repeats the whole address: keep only its cause.
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err
			}
			lastErr = fmt.Errorf("GET %s: %w", name, err)
			continue
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, p.MaxBytes+1))
		resp.Body.Close()
		switch {
		case err != nil:
			lastErr = fmt.Errorf("GET %s: reading body: %w", name, err)
			continue
		case resp.StatusCode == http.StatusNotModified:
			return nil, resp.Header, resp.StatusCode, nil
		case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
			lastErr = retryAfter{fmt.Errorf("GET %s: %s", name, resp.Status), parseRetryAfter(resp.Header.Get("Retry-After"))}
			continue
		case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
			return nil, nil, 0, fmt.Errorf("GET %s: %s: check the credentials in the job's auth_env", name, resp.Status)
		case resp.StatusCode >= 400:
			return nil, nil, 0, fmt.Errorf("GET %s: %s", name, resp.Status)
		case int64(len(body)) > p.MaxBytes:
			return nil, nil, 0, fmt.Errorf("GET %s: response larger than %d bytes", name, p.MaxBytes)
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
	if p.State == nil {
		return
	}
	if b, err := p.State.Load(); err == nil && len(b) > 0 {
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
	if v == (validators{}) {
		delete(p.state, u)
	} else {
		p.state[u] = v
	}
	if p.State == nil {
		return nil
	}
	b, err := json.MarshalIndent(p.state, "", "  ")
	if err != nil {
		return err
	}
	if err := p.State.Save(b); err != nil {
		return fmt.Errorf("http: save validators: %w", err)
	}
	return nil
}
