package httppull

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

// api serves three pages of records and an empty fourth, requires a bearer
// token, fails the first request with 503, and answers conditional requests.
type api struct {
	requests, conditional, notModified atomic.Int32
	failFirst                          atomic.Bool
}

func (a *api) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	a.requests.Add(1)
	if r.Header.Get("Authorization") != "Bearer s3cret" {
		http.Error(w, "no", http.StatusUnauthorized)
		return
	}
	if a.failFirst.CompareAndSwap(true, false) {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	etag := fmt.Sprintf(`"p%d-v1"`, page)
	if inm := r.Header.Get("If-None-Match"); inm != "" {
		a.conditional.Add(1)
		if inm == etag {
			a.notModified.Add(1)
			w.WriteHeader(http.StatusNotModified)
			return
		}
	}
	w.Header().Set("ETag", etag)
	w.Header().Set("Last-Modified", "Mon, 05 Jun 2023 02:00:00 GMT")
	if page > 3 {
		fmt.Fprint(w, `{"data": []}`)
		return
	}
	var recs []string
	for i := 0; i < 2; i++ {
		recs = append(recs, fmt.Sprintf(`{"period":"2023-05","department":"旗住建局","indicator_id":"zw-14","value":%d,"unit":"万吨"}`, page*10+i))
	}
	fmt.Fprintf(w, `{"page": %d, "data": [%s]}`, page, strings.Join(recs, ","))
}

func pull(t *testing.T, p *Puller) []string {
	t.Helper()
	var names []string
	err := p.Pull(context.Background(), func(it connectors.Item) error {
		rc, _ := it.Open()
		b, _ := io.ReadAll(rc)
		if !strings.Contains(string(b), "zw-14") {
			t.Errorf("page %s: %s", it.Name, b)
		}
		if it.SubmittedAt.Format("2006-01-02") != "2023-06-05" {
			t.Errorf("submitted_at %v, want the Last-Modified date", it.SubmittedAt)
		}
		names = append(names, it.Name)
		return it.Ack(true)
	})
	if err != nil {
		t.Fatal(err)
	}
	return names
}

func TestPagedConditionalPullWithRetry(t *testing.T) {
	a := &api{}
	a.failFirst.Store(true)
	srv := httptest.NewServer(a)
	defer srv.Close()
	env := connectors.Env{Secret: secrets{"TEST_API_TOKEN": "Bearer s3cret"}.get, State: &memState{}}
	settings := map[string]string{
		"url": srv.URL + "/indicators", "auth_env": "TEST_API_TOKEN", "page_param": "page",
		"page_size_param": "size", "page_size": "2", "backoff": "10ms",
	}
	p, err := New(settings, env)
	if err != nil {
		t.Fatal(err)
	}
	if got := pull(t, p); len(got) != 3 || !strings.Contains(got[2], "page=3") {
		t.Fatalf("first run yielded %v, want pages 1–3", got)
	}
	if n := a.requests.Load(); n != 5 {
		t.Errorf("%d requests, want 5 (one 503 retried, 3 pages, 1 empty page)", n)
	}
	// A second run (a new process: the same saved state) fetches nothing new.
	p2, _ := New(settings, env)
	if got := pull(t, p2); len(got) != 0 {
		t.Errorf("second run yielded %v, want nothing", got)
	}
	if a.notModified.Load() != 3 {
		t.Errorf("%d pages answered 304, want 3", a.notModified.Load())
	}
}

func TestAuthFailureIsClear(t *testing.T) {
	srv := httptest.NewServer(&api{})
	defer srv.Close()
	env := connectors.Env{Secret: secrets{"TEST_API_TOKEN": "Bearer wrong"}.get}
	p, err := New(map[string]string{"url": srv.URL, "auth_env": "TEST_API_TOKEN", "retries": "0"}, env)
	if err != nil {
		t.Fatal(err)
	}
	err = p.Pull(context.Background(), func(connectors.Item) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "401") || !strings.Contains(err.Error(), "auth_env") {
		t.Errorf("want a 401 naming auth_env, got %v", err)
	}
	if _, err := New(map[string]string{"url": srv.URL, "auth_env": "NOT_SET_ANYWHERE"}, env); err == nil {
		t.Error("a missing credential variable must fail at start")
	}
}

func TestRetriesGiveUp(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		http.Error(w, "down", http.StatusBadGateway)
	}))
	defer srv.Close()
	p, _ := New(map[string]string{"url": srv.URL, "retries": "3", "backoff": "1ms"}, connectors.Env{})
	err := p.Pull(context.Background(), func(connectors.Item) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "after 4 attempts") || n.Load() != 4 {
		t.Errorf("err %v after %d requests", err, n.Load())
	}
}

type secrets map[string]string

func (s secrets) get(name string) (string, bool) { v, ok := s[name]; return v, ok }

// memState is a job's state kept in memory, as the runner keeps it in the lake.
type memState struct{ b []byte }

func (m *memState) Load() ([]byte, error) { return m.b, nil }
func (m *memState) Save(b []byte) error   { m.b = append([]byte(nil), b...); return nil }

func TestSettingsAreTyped(t *testing.T) {
	for _, c := range []struct {
		settings map[string]string
		want     string
	}{
		{map[string]string{}, "url is required"},
		{map[string]string{"url": "ftp://x"}, "want an http:// or https:// address"},
		{map[string]string{"url": "http://x", "page_sise": "5"}, `unknown setting "page_sise" (did you mean "page_size"?`},
		{map[string]string{"url": "http://x", "retries": "many"}, "retries \"many\": want a whole number"},
		{map[string]string{"url": "http://x", "backoff": "soon"}, "want a duration"},
	} {
		_, err := New(c.settings, connectors.Env{})
		if err == nil || !strings.Contains(err.Error(), strings.ReplaceAll(c.want, `\"`, `"`)) {
			t.Errorf("New(%v) = %v, want an error containing %q", c.settings, err, c.want)
		}
	}
	p, err := New(map[string]string{"url": "https://example.invalid/api"}, connectors.Env{})
	if err != nil || p.PageSize != 500 || p.Retries != 4 || p.Timeout != 30*time.Second || p.AuthHeader != "Authorization" {
		t.Errorf("defaults: %+v %v", p, err)
	}
}
