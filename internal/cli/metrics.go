package cli

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/waymark-data/waymark/pipelines"
)

// serveMetrics is what `waymark serve` exposes for monitoring: ingest and
// build counters, and the time of each job's last good run, so an alert
// can fire when a department's data stops arriving.
type serveMetrics struct {
	reg         *prometheus.Registry
	rows        *prometheus.CounterVec
	items       *prometheus.CounterVec
	runs        *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	builds      *prometheus.CounterVec
	buildTime   prometheus.Gauge
	publishes   *prometheus.CounterVec
	publishTime prometheus.Gauge
	// seen are the jobs whose last success this process has set: the
	// ledger's older figure never overwrites them.
	mu   sync.Mutex
	seen map[string]bool
	// web, when set, serves everything else on the same listener (the
	// portal and the docs of package web).
	web http.Handler
}

func newServeMetrics() *serveMetrics {
	m := &serveMetrics{
		seen: map[string]bool{},
		reg:  prometheus.NewRegistry(),
		rows: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "waymark_ingest_rows_total",
			Help: "Rows read by ingest, by data set and outcome (accepted, rejected)."}, []string{"dataset", "outcome"}),
		items: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "waymark_ingest_items_total",
			Help: "Files or message batches seen, by data set and outcome (new, duplicate, rejected)."}, []string{"dataset", "outcome"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "waymark_ingest_runs_total",
			Help: "Job runs by job and status (ok, failed, cancelled); a streaming job counts one per window with data."}, []string{"job", "status"}),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "waymark_ingest_last_success_timestamp_seconds",
			Help: "When each job last finished without error (Unix seconds)."}, []string{"job"}),
		builds: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "waymark_builds_total",
			Help: "Warehouse builds by status (ok, failed)."}, []string{"status"}),
		buildTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "waymark_build_duration_seconds",
			Help: "Duration of the last successful warehouse build."}),
		publishes: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "waymark_publishes_total",
			Help: "Publishes of the marts to PostgreSQL by status (ok, failed)."}, []string{"status"}),
		publishTime: prometheus.NewGauge(prometheus.GaugeOpts{Name: "waymark_publish_duration_seconds",
			Help: "Duration of the last successful publish."}),
	}
	m.reg.MustRegister(m.rows, m.items, m.runs, m.lastSuccess, m.builds, m.buildTime, m.publishes, m.publishTime,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

func (m *serveMetrics) run(r pipelines.RunResult) {
	if r.Status == "skipped" {
		return
	}
	m.rows.WithLabelValues(r.Dataset, "accepted").Add(float64(r.RowsAccepted))
	m.rows.WithLabelValues(r.Dataset, "rejected").Add(float64(r.RowsRejected))
	m.items.WithLabelValues(r.Dataset, "new").Add(float64(r.ItemsNew - r.ItemsRejected))
	m.items.WithLabelValues(r.Dataset, "duplicate").Add(float64(r.ItemsDuplicate))
	m.items.WithLabelValues(r.Dataset, "rejected").Add(float64(r.ItemsRejected))
	m.runs.WithLabelValues(r.Job, r.Status).Inc()
	if r.Status == "ok" && !r.FinishedAt.IsZero() {
		m.mu.Lock()
		m.seen[r.Job] = true
		m.lastSuccess.WithLabelValues(r.Job).Set(float64(r.FinishedAt.Unix()))
		m.mu.Unlock()
	}
}

// seedLastSuccess gives every job its last success as the run ledger
// knows it, and 0 (never) to a job without one, so that a staleness
// alert on the gauge fires after a restart too, also for a job that
// never ran since: without it the series would appear only once each job
// has run again. A job that already ran in this process keeps its time.
func (m *serveMetrics) seedLastSuccess(last map[string]time.Time, jobs []string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, j := range jobs {
		if m.seen[j] {
			continue
		}
		v := 0.0
		if t, ok := last[j]; ok {
			v = float64(t.Unix())
		}
		m.lastSuccess.WithLabelValues(j).Set(v)
	}
}

func (m *serveMetrics) build(d time.Duration, err error) {
	if err != nil {
		m.builds.WithLabelValues("failed").Inc()
		return
	}
	m.builds.WithLabelValues("ok").Inc()
	m.buildTime.Set(d.Seconds())
}

func (m *serveMetrics) publish(d time.Duration, err error) {
	if err != nil {
		m.publishes.WithLabelValues("failed").Inc()
		return
	}
	m.publishes.WithLabelValues("ok").Inc()
	m.publishTime.Set(d.Seconds())
}

// listen serves /metrics and /healthz on addr until ctx ends.
func (m *serveMetrics) listen(ctx context.Context, addr string) (string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return "", err
	}
	mux := http.NewServeMux()
	mux.Handle("/metrics", promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { w.Write([]byte("ok\n")) })
	if m.web != nil {
		mux.Handle("/", m.web)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the listener is gone; serve goes on without metrics
		}
	}()
	return ln.Addr().String(), nil
}
