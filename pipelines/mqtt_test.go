package pipelines

import (
	"context"
	"fmt"
	"github.com/waymark-data/waymark"
	"path/filepath"
	"sync"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	_ "github.com/waymark-data/waymark/connectors/mqtt"
	"github.com/waymark-data/waymark/internal/testenv"
)

// publishReadings sends n rain-gauge readings at QoS 1 and waits for the
// broker to acknowledge each.
func publishReadings(tb testing.TB, url string, n, from int) {
	tb.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("pub-%d-%d", from, time.Now().UnixNano())).SetMaxResumePubInFlight(1000))
	if tok := c.Connect(); tok.Wait() && tok.Error() != nil {
		tb.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	var toks []paho.Token
	for i := from; i < from+n; i++ {
		station := fmt.Sprintf("GH-%03d", i%68+1)
		ts := time.Date(2023, 7, 1, 0, 0, 0, 0, shanghai).Add(time.Duration(i) * time.Second)
		body := fmt.Sprintf(`{"sensor_id":"%s-RG","ts":"%s","value":%d.5,"unit":"mm"}`, station, ts.Format(time.RFC3339), i%7)
		toks = append(toks, c.Publish("waymark/sensors/"+station+"/rainfall_mm", 1, false, body))
	}
	for _, tok := range toks {
		if tok.Wait(); tok.Error() != nil {
			tb.Fatal(tok.Error())
		}
	}
}

func mqttJob(tb testing.TB, r *Runner, broker string) Job {
	tb.Helper()
	jobs, err := LoadJobs(waymark.Pipelines(""), r.Datasets)
	if err != nil {
		tb.Fatal(err)
	}
	for _, j := range jobs {
		if j.Name == "sensor_mqtt" {
			j.Settings["idle_stop"] = "1s"
			j.Settings["batch_wait"] = "200ms"
			j.Settings["client_id"] = fmt.Sprintf("waymark-test-%d", time.Now().UnixNano())
			r.Vars = map[string]string{"mqtt_broker": broker}
			return j
		}
	}
	tb.Fatal("no sensor_mqtt job")
	return Job{}
}

func TestMQTTIntoTheLake(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	r, _, _ := newRunner(t)
	r.Now = time.Now
	job := mqttJob(t, r, broker.URL)
	// The first run creates the persistent session.
	if _, err := r.RunJob(context.Background(), job); err != nil {
		t.Fatal(err)
	}
	// Readings published while Waymark is not running, and during a broker
	// restart, all arrive at the next run.
	publishReadings(t, broker.URL, 1500, 0)
	broker.Restart(t)
	publishReadings(t, broker.URL, 1500, 1500)
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 3000 || res.RowsRejected != 0 {
		t.Fatalf("run: %+v", res)
	}
	glob := r.Lake.Glob("sensor_readings")
	got := query[string](t, `SELECT count(DISTINCT ts) || ' ' || min(station_id) || ' ' || min(channel) || ' ' || min(_source) || ' ' || min(topic) FROM read_parquet(?)`, glob)
	if want := "3000 GH-001 rainfall_mm mqtt:" + broker.URL + " waymark/sensors/GH-001/rainfall_mm"; got != want {
		t.Errorf("lake: %q, want %q", got, want)
	}
	// The message's place is its batch (the item) and its line in it.
	lin := query[string](t, `SELECT min(_file) FROM read_parquet(?)`, glob)
	if filepath.Dir(lin) != job.Settings["client_id"] {
		t.Errorf("lineage file %q", lin)
	}
}

// BenchmarkMQTTIngest queues readings at QoS 1 for two persistent
// sessions, a bare subscriber that only counts and Waymark's ingest, then
// times each draining its backlog from the same broker: messages/s for
// both, and messages lost (the goal is none).
func BenchmarkMQTTIngest(b *testing.B) {
	n := 50_000
	broker := testenv.StartMosquitto(b)
	r, _, _ := newRunner(b)
	r.Now = time.Now
	r.Limits.MaxRows, r.Limits.MaxBytes = 1<<30, 1<<30
	job := mqttJob(b, r, broker.URL)
	job.Settings["batch_size"] = "20000"
	if _, err := r.RunJob(context.Background(), job); err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	got := 0
	done := make(chan struct{})
	bareOpts := paho.NewClientOptions().AddBroker(broker.URL).SetClientID("bare").SetCleanSession(false).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			mu.Lock()
			got++
			if got == n {
				close(done)
			}
			mu.Unlock()
		})
	bare := paho.NewClient(bareOpts)
	bare.Connect().Wait()
	bare.Subscribe("waymark/sensors/+/+", 1, nil).Wait()
	bare.Disconnect(100)
	publishReadings(b, broker.URL, n, 0)
	b.ResetTimer()

	t0 := time.Now()
	bare = paho.NewClient(bareOpts)
	bare.Connect().Wait()
	select {
	case <-done:
	case <-time.After(2 * time.Minute):
	}
	bareTime := time.Since(t0)
	bare.Disconnect(100)

	t1 := time.Now()
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		b.Fatal(err)
	}
	ours := time.Since(t1) - time.Second // less the idle wait that ends the run
	b.ReportMetric(float64(got)/bareTime.Seconds(), "bare_msgs/s")
	b.ReportMetric(float64(res.RowsAccepted)/ours.Seconds(), "ingest_msgs/s")
	b.ReportMetric(float64(res.RowsAccepted)/float64(got)*bareTime.Seconds()/ours.Seconds(), "ratio")
	b.ReportMetric(float64(int64(n)-res.RowsAccepted), "lost")
}
