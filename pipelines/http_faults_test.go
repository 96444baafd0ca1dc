package pipelines

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/waymark-data/waymark/connectors/httppull"
)

// flakyPlatform is a sensor platform's paged export that misbehaves the
// way real ones do: each page fails first with a 500, then hangs past the
// client's timeout, then sends a body cut short (its Content-Length
// promises more), and only then answers. Its readings are newest first,
// and a new reading arrives while a pull is paging: every later record
// moves one place down, so pages come "out of order" and one reading is
// served on two pages. With cutUnannounced, page 2's first good answer is
// cut short with no length to give it away (it looks complete).
type flakyPlatform struct {
	mu             sync.Mutex
	readings       []string
	tries          map[string]int
	served         int
	cutUnannounced bool
}

func (f *flakyPlatform) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	f.mu.Lock()
	key := fmt.Sprint(page)
	f.tries[key]++
	try := f.tries[key]
	f.mu.Unlock()
	switch try {
	case 1:
		http.Error(w, "upstream busy", http.StatusInternalServerError)
		return
	case 2:
		time.Sleep(600 * time.Millisecond) // beyond the 200ms timeout
		return
	case 3:
		hj, _ := w.(http.Hijacker)
		conn, buf, _ := hj.Hijack()
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 5000\r\n\r\n[{\"sensor_id\":")
		buf.Flush()
		conn.Close()
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	const size = 10
	lo := (page - 1) * size
	var recs []string
	if lo < len(f.readings) {
		recs = f.readings[lo:min(lo+size, len(f.readings))]
	}
	body := "[" + strings.Join(recs, ",") + "]"
	w.Header().Set("ETag", fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(body))))
	if inm := r.Header.Get("If-None-Match"); inm != "" && inm == w.Header().Get("ETag") {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if f.cutUnannounced && page == 2 {
		f.cutUnannounced = false
		hj, _ := w.(http.Hijacker)
		conn, buf, _ := hj.Hijack()
		// Cut inside a record, as a dropped connection does.
		cut := len(body)/2 + strings.Index(body[len(body)/2:], `"sensor_id":`) + 5
		fmt.Fprintf(buf, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n%s", body[:cut])
		buf.Flush()
		conn.Close()
		return
	}
	fmt.Fprint(w, body)
	if page == 1 && f.served == 0 {
		// A new reading arrives while the pull pages: it goes first.
		f.readings = append([]string{reading(99)}, f.readings...)
	}
	if len(recs) > 0 {
		f.served++
	}
}

func reading(i int) string {
	ts := time.Date(2023, 7, 1, 8, 0, 0, 0, shanghai).Add(time.Duration(i) * time.Minute)
	return fmt.Sprintf(`{"station_id":"HW-001","sensor_id":"HW-001-VOC","channel":"voc_ppm","ts":"%s","value":%d.5,"unit":"ppm"}`, ts.Format(time.RFC3339), i%9)
}

// TestHTTPSourceFaults: errors, timeouts and truncated bodies are retried
// page by page; a body cut short without a length to show it is rejected
// and fetched again at the next run (never remembered as done); records
// shifting between pages mid-pull lose nothing. What reaches the lake is
// every reading; the only repeats are of pages fetched again because they
// changed, each the same reading with the same value (the warehouse keeps
// one per key).
func TestHTTPSourceFaults(t *testing.T) {
	f := &flakyPlatform{tries: map[string]int{}, cutUnannounced: true}
	for i := 29; i >= 0; i-- {
		f.readings = append(f.readings, reading(i))
	}
	srv := httptest.NewServer(f)
	defer srv.Close()
	r, _, _ := newRunner(t)
	job := Job{Name: "sensor_http", Dataset: "sensor_readings", Connector: "http", Settings: map[string]string{
		"url": srv.URL + "/export", "page_param": "page", "retries": "4", "backoff": "5ms", "timeout": "200ms",
	}}
	first, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if first.ItemsRejected != 1 {
		t.Errorf("first run: %+v, want page 2 (cut short, unannounced) rejected", first)
	}
	second, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	glob := r.Lake.Glob("sensor_readings")
	distinct := query[int64](t, `SELECT count(DISTINCT (sensor_id, channel, ts)) FROM read_parquet(?)`, glob)
	rows := query[int64](t, `SELECT count(*) FROM read_parquet(?)`, glob)
	if distinct != 31 {
		t.Errorf("%d distinct readings in the lake after two runs, want all 31 (first %+v, second %+v)", distinct, first, second)
	}
	if rows-distinct > 10 {
		t.Errorf("%d rows for %d readings: more repeats than one page fetched again", rows, distinct)
	}
	if n := query[int64](t, `SELECT count(*) FROM (SELECT sensor_id, channel, ts FROM read_parquet(?) GROUP BY ALL HAVING count(DISTINCT value) > 1)`, glob); n != 0 {
		t.Errorf("%d readings repeated with different values", n)
	}
	var tries []string
	for p, n := range f.tries {
		tries = append(tries, p+":"+strconv.Itoa(n))
	}
	t.Logf("requests per page: %v", tries)
	// A third run finds nothing new: every page answers 304 or repeats.
	third, err := r.RunJob(context.Background(), job)
	if err != nil || third.RowsAccepted != 0 {
		t.Errorf("third run: %+v %v", third, err)
	}
}
