package httppull

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/waymark-data/waymark/connectors"
)

// TestAuthHeaderStaysOnItsHost: a redirect to another host gets the request
// without the job's auth header (a custom one, which Go's client would
// forward); a redirect within the host keeps it.
func TestAuthHeaderStaysOnItsHost(t *testing.T) {
	var mu sync.Mutex
	seen := map[string]string{}
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen["other"] = r.Header.Get("X-Api-Key") + "|" + r.Header.Get("Authorization")
		mu.Unlock()
		fmt.Fprint(w, `[{"a":1}]`)
	}))
	defer other.Close()
	home := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		seen[r.URL.Path] = r.Header.Get("X-Api-Key")
		mu.Unlock()
		switch r.URL.Path {
		case "/moved":
			http.Redirect(w, r, "/here", http.StatusFound)
		case "/away":
			http.Redirect(w, r, other.URL+"/export", http.StatusFound)
		default:
			fmt.Fprint(w, `[{"a":1}]`)
		}
	}))
	defer home.Close()
	env := connectors.Env{Secret: secrets{"KEY": "k-s3cret"}.get}
	for _, path := range []string{"/moved", "/away"} {
		p, err := New(map[string]string{"url": home.URL + path, "auth_header": "X-Api-Key", "auth_env": "KEY", "retries": "0"}, env)
		if err != nil {
			t.Fatal(err)
		}
		if err := p.Pull(context.Background(), func(it connectors.Item) error { return it.Ack(true) }); err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if seen["/moved"] != "k-s3cret" || seen["/here"] != "k-s3cret" || seen["/away"] != "k-s3cret" {
		t.Errorf("the home host did not get its key: %v", seen)
	}
	if seen["other"] != "|" {
		t.Errorf("another host received the credentials: %q", seen["other"])
	}
}

// TestURLSecretsStayOutOfNamesStateAndErrors: a token in the job's url
// (query string or user info) never reaches an item's source or name (what
// the lake, manifests and quarantine store and logs print), the saved
// state, or an error.
func TestURLSecretsStayOutOfNamesStateAndErrors(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("access_token") != "t0ken" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		if r.URL.Query().Get("page") == "2" {
			fmt.Fprint(w, `[]`)
			return
		}
		w.Header().Set("ETag", `"e1"`)
		fmt.Fprint(w, `[{"a":1}]`)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	state := &memState{}
	p, err := New(map[string]string{"url": "http://bob:pa55@" + host + "/api?access_token=t0ken&region=150627", "page_param": "page"},
		connectors.Env{State: state})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	err = p.Pull(context.Background(), func(it connectors.Item) error {
		names = append(names, it.Source, it.Name)
		return it.Ack(true)
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "http:" + srv.URL + "/api " + srv.URL + "/api?page=1"; strings.Join(names, " ") != want {
		t.Errorf("item source and name %q, want %q", names, want)
	}
	for _, leak := range []string{"t0ken", "pa55", "bob"} {
		if strings.Contains(strings.Join(names, " ")+string(state.b), leak) {
			t.Errorf("%q is in the names or the saved state: %v %s", leak, names, state.b)
		}
	}
	// Errors: a refused request, and a host that is not there.
	for _, u := range []string{"http://" + host + "/api?access_token=wrong-t0ken", "http://127.0.0.1:1/api?access_token=t0ken"} {
		p, _ := New(map[string]string{"url": u, "retries": "0"}, connectors.Env{})
		err := p.Pull(context.Background(), func(connectors.Item) error { return nil })
		if err == nil || strings.Contains(err.Error(), "t0ken") {
			t.Errorf("error %v: want one without the token", err)
		}
	}
}
