package mqtt

import (
	"context"
	"errors"
	"fmt"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/testenv"
)

// settle waits for the goroutine count to come back to at most want and
// returns the last count seen.
func settle(want int, limit time.Duration) int {
	deadline := time.Now().Add(limit)
	for {
		n := runtime.NumGoroutine()
		if n <= want || time.Now().After(deadline) {
			return n
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestFailedPullsLeakNoGoroutines: a pull that ends early (its lake write
// failed) while messages keep arriving, or that cannot reach the broker,
// leaves nothing running: the message handler can always give up its
// message, and the client is always disconnected.
func TestFailedPullsLeakNoGoroutines(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	s, err := New(map[string]string{
		"broker": broker.URL, "topics": "waymark/sensors/+/+", "client_id": "waymark-leak",
		"batch_size": "20", "batch_wait": "50ms", "idle_stop": "500ms",
	}, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s, 0) // creates the session
	dead, err := New(map[string]string{"broker": "tcp://127.0.0.1:" + fmt.Sprint(testenv.FreePort(t)), "topics": "a/#", "client_id": "waymark-dead"}, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	base := runtime.NumGoroutine()
	failing := errors.New("lake write failed")
	for i := 0; i < 5; i++ {
		// More messages than the handler's buffer, so the handler is
		// blocked on a full channel when the pull gives up.
		publish(t, broker.URL, 200, i*200)
		err := s.Pull(context.Background(), func(connectors.Item) error { return failing })
		if !errors.Is(err, failing) {
			t.Fatalf("pull %d: %v, want the yield error", i, err)
		}
		if err := dead.Pull(context.Background(), func(connectors.Item) error { return nil }); err == nil {
			t.Fatal("a pull from a broker that is not there succeeded")
		}
	}
	if n := settle(base+2, 10*time.Second); n > base+2 {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("%d goroutines after 10 failed pulls, %d before:\n%s", n, base, buf)
	}
	// Nothing was lost: the unacknowledged messages come again.
	recs, err := drain(t, s, 0)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range recs {
		seen[fmt.Sprint(r["sensor_id"], r["ts"])] = true
	}
	if len(seen) != 1000 {
		t.Errorf("%d distinct messages after the failed pulls, want all 1000", len(seen))
	}
}

// TestUnreachableBrokerEndsThePull: a broker that accepts the TCP
// connection but never answers fails the pull after ConnectTimeout instead
// of holding the run (and the data set's lock) forever.
func TestUnreachableBrokerEndsThePull(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c) // accepted, never answered
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		for _, c := range conns {
			c.Close()
		}
		mu.Unlock()
	}()
	old := ConnectTimeout
	ConnectTimeout = 500 * time.Millisecond
	defer func() { ConnectTimeout = old }()
	s, err := New(map[string]string{"broker": "tcp://sensor:pa55word@" + ln.Addr().String(), "topics": "a/#", "client_id": "waymark-hung"}, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	t0 := time.Now()
	err = s.Stream(context.Background(), func(connectors.Item) error { return nil })
	if err == nil || time.Since(t0) > 5*time.Second {
		t.Fatalf("stream against a silent broker: %v after %s", err, time.Since(t0))
	}
	if strings.Contains(err.Error(), "pa55word") {
		t.Errorf("the error shows the broker password: %v", err)
	}
}

// TestStreamCommitsMicroBatches: under serve the subscription stays open
// and yields a batch every batch_size messages or batch_wait, whichever
// comes first; a batch is acknowledged only after its yield returns, and
// the stream does not end when the topic goes quiet.
func TestStreamCommitsMicroBatches(t *testing.T) {
	broker := testenv.StartMosquitto(t)
	s, err := New(map[string]string{
		"broker": broker.URL, "topics": "waymark/sensors/+/+", "client_id": "waymark-stream",
		"batch_size": "100", "batch_wait": "400ms", "idle_stop": "200ms",
	}, connectors.Env{})
	if err != nil {
		t.Fatal(err)
	}
	drain(t, s, 0)
	ctx, cancel := context.WithCancel(context.Background())
	var mu sync.Mutex
	var sizes []int
	total := 0
	errc := make(chan error, 1)
	go func() {
		errc <- s.Stream(ctx, func(it connectors.Item) error {
			rc, _ := it.Open()
			var b strings.Builder
			buf := make([]byte, 1<<16)
			for {
				n, err := rc.Read(buf)
				b.Write(buf[:n])
				if err != nil {
					break
				}
			}
			n := strings.Count(b.String(), "\n")
			// Counted once acknowledged: the test cancels the stream as
			// soon as it has counted every message, and a cancel that
			// overtook the acknowledgements would see them redelivered.
			err := it.Ack(true)
			mu.Lock()
			sizes = append(sizes, n)
			total += n
			mu.Unlock()
			return err
		})
	}()
	time.Sleep(300 * time.Millisecond) // subscribed
	publish(t, broker.URL, 250, 0)
	// Quiet for longer than idle_stop: a stream keeps going.
	time.Sleep(1500 * time.Millisecond)
	publish(t, broker.URL, 30, 250)
	deadline := time.Now().Add(10 * time.Second)
	for {
		mu.Lock()
		got := total
		mu.Unlock()
		if got >= 280 || time.Now().After(deadline) {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Errorf("stream ended with %v, want context.Canceled", err)
	}
	mu.Lock()
	defer mu.Unlock()
	if total != 280 {
		t.Fatalf("stream yielded %d messages in batches %v, want 280", total, sizes)
	}
	for _, n := range sizes {
		if n > 100 {
			t.Errorf("batch of %d, more than batch_size 100 (%v)", n, sizes)
		}
	}
	if len(sizes) < 4 || sizes[0] != 100 {
		t.Errorf("batches %v, want full batches of 100 then the rest after batch_wait", sizes)
	}
	if again, _ := drain(t, s, 0); len(again) != 0 {
		t.Errorf("%d messages redelivered after the stream acknowledged them", len(again))
	}
}
