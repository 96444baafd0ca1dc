package mqtt

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"testing"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/testenv"
)

func publish(t *testing.T, url string, n, from int) {
	t.Helper()
	c := paho.NewClient(paho.NewClientOptions().AddBroker(url).SetClientID(fmt.Sprintf("pub-%d", from)))
	if tok := c.Connect(); tok.Wait() && tok.Error() != nil {
		t.Fatal(tok.Error())
	}
	defer c.Disconnect(100)
	for i := from; i < from+n; i++ {
		station := fmt.Sprintf("GH-%03d", i%68+1)
		body := fmt.Sprintf(`{"sensor_id":"%s-RG","ts":"2023-07-01T08:%02d:%02d+08:00","value":%d.5,"unit":"mm"}`, station, (i/60)%60, i%60, i%7)
		tok := c.Publish("waymark/sensors/"+station+"/rainfall_mm", 1, false, body)
		tok.Wait()
		if tok.Error() != nil {
			t.Fatal(tok.Error())
		}
	}
}

// drain pulls until idle and returns the records seen, acknowledging
// batches unless failAfter batches have been yielded.
func drain(t *testing.T, s *Subscriber, failAfter int) ([]map[string]any, error) {
	t.Helper()
	var recs []map[string]any
	batches := 0
	err := s.Pull(context.Background(), func(it connectors.Item) error {
		batches++
		if failAfter > 0 && batches > failAfter {
			return errors.New("lake write failed")
		}
		rc, _ := it.Open()
		b, _ := io.ReadAll(rc)
		sc := bufio.NewScanner(bytes.NewReader(b))
		for sc.Scan() {
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				t.Fatalf("batch line %q: %v", sc.Text(), err)
			}
			recs = append(recs, m)
		}
		return it.Ack(true)
	})
	return recs, err
}

func newSub(t *testing.T, url string) *Subscriber {
	s, err := New(map[string]string{
		"broker": url, "topics": "waymark/sensors/+/+", "client_id": "waymark-test",
		"topic_fields": "_/_/station_id/channel", "batch_size": "200", "batch_wait": "100ms", "idle_stop": "700ms",
	}, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestPersistentSessionLosesNothing(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	sub := newSub(t, broker.URL)
	// First contact creates the session and its subscription.
	if _, err := drain(t, sub, 0); err != nil {
		t.Fatal(err)
	}
	// Messages published while Waymark is down, and across a broker
	// restart, are delivered at the next pull.
	publish(t, broker.URL, 500, 0)
	broker.Restart(t)
	publish(t, broker.URL, 500, 500)
	recs, err := drain(t, sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1000 {
		t.Fatalf("received %d messages, want 1000", len(recs))
	}
	r := recs[0]
	if r["station_id"] != "GH-001" || r["channel"] != "rainfall_mm" || r["topic"] != "waymark/sensors/GH-001/rainfall_mm" {
		t.Errorf("topic levels not copied into the record: %v", r)
	}
	// Nothing is left behind once every batch was acknowledged.
	if again, _ := drain(t, sub, 0); len(again) != 0 {
		t.Errorf("%d messages redelivered after acknowledgement", len(again))
	}
}

func TestUnacknowledgedBatchIsRedelivered(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	sub := newSub(t, broker.URL)
	drain(t, sub, 0)
	publish(t, broker.URL, 600, 0)
	// The lake write of the second batch fails: its messages and all
	// later ones stay unacknowledged.
	got, err := drain(t, sub, 1)
	if err == nil {
		t.Fatal("want the yield error back")
	}
	acked := len(got)
	if acked == 0 || acked >= 600 {
		t.Fatalf("first batch had %d messages", acked)
	}
	time.Sleep(200 * time.Millisecond)
	rest, err := drain(t, sub, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range append(got, rest...) {
		seen[fmt.Sprint(r["sensor_id"], r["ts"])] = true
	}
	if len(seen) != 600 {
		t.Errorf("after a failed write and a retry %d distinct messages arrived, want all 600 (first %d, retry %d)", len(seen), acked, len(rest))
	}
}
