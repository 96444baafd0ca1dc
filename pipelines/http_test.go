package pipelines

import (
	"context"
	"fmt"
	"github.com/waymark-data/waymark"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	_ "github.com/waymark-data/waymark/connectors/httppull"
)

// TestHTTPIntoTheLake pulls a department platform's paged API through the
// indicator_reports_api job: bearer token from the environment, three
// pages, conditional requests on the second run.
func TestHTTPIntoTheLake(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer dept-token" {
			http.Error(w, "unauthorised", http.StatusUnauthorized)
			return
		}
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		etag := fmt.Sprintf(`"v1-%d"`, page)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("ETag", etag)
		if page > 3 {
			fmt.Fprint(w, `{"data":[]}`)
			return
		}
		months := []string{"2023-01", "2023-02", "2023-03"}
		fmt.Fprintf(w, `{"data":[{"period":"%s","department":"旗住建局","indicator_id":"zw-14","value":0.7,"unit":"万吨"},
			{"period":"%s","department":"旗住建局","indicator_id":"zw-12","value":71.5,"unit":"%%"}]}`, months[page-1], months[page-1])
	}))
	defer srv.Close()
	r, _, _ := newRunner(t)
	r.Secret = func(name string) (string, bool) {
		return "Bearer dept-token", name == "WAYMARK_INDICATOR_API_TOKEN"
	}
	jobs, err := LoadJobs(waymark.Pipelines(""), r.Datasets)
	if err != nil {
		t.Fatal(err)
	}
	var job Job
	for _, j := range jobs {
		if j.Name == "indicator_reports_api" {
			job = j
		}
	}
	r.Vars = map[string]string{"indicator_api_url": srv.URL + "/api/indicators"}
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.ItemsNew != 3 || res.RowsAccepted != 6 || res.RowsRejected != 0 {
		t.Fatalf("first run %+v", res)
	}
	got := query[string](t, `SELECT string_agg(DISTINCT department || ' ' || _source, ';') FROM read_parquet(?)`, r.Lake.Glob("indicator_reports"))
	if got != "旗住建局 http:"+srv.URL+"/api/indicators" {
		t.Errorf("lineage %q", got)
	}
	again, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if again.ItemsSeen != 0 {
		t.Errorf("second run fetched %d changed pages, want none", again.ItemsSeen)
	}
	if !strings.HasPrefix(job.Settings["url"], "{") {
		t.Errorf("job spec should take its URL from sources, got %q", job.Settings["url"])
	}
}
