// Package mqtt is the connector for sensors that publish over MQTT. It
// subscribes at QoS 1 with a persistent session under a fixed client id, so
// the broker keeps messages while Waymark is down, and it acknowledges a
// message only after the batch holding it is safely in the lake: a crash
// between the two means redelivery, never loss. Redelivered readings are
// de-duplicated by the data set's key in the warehouse.
package mqtt

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	paho "github.com/eclipse/paho.mqtt.golang"

	"github.com/waymark-data/waymark/connectors"
)

func init() {
	connectors.RegisterKind("mqtt", func(s map[string]string, env connectors.Env) (connectors.Connector, error) { return New(s, env) })
}

// Subscriber pulls messages from a broker in batches. The tagged fields
// are the job's settings.
type Subscriber struct {
	Broker string `setting:"broker,required"`
	// Topics are filters, wildcards allowed.
	Topics []string `setting:"topics,required"`
	// ClientID is fixed so that the broker keeps the session's queue.
	ClientID string `setting:"client_id,required"`
	// TopicFields names topic levels to copy into each record, e.g.
	// "_/_/station_id/channel" for waymark/sensors/GH-001/rainfall_mm.
	TopicFields string        `setting:"topic_fields"`
	BatchSize   int           `setting:"batch_size"`
	BatchWait   time.Duration `setting:"batch_wait"`
	// IdleStop ends a pull after this long without a message (0: run until
	// the context is cancelled). One-shot ingests use it to drain the queue.
	IdleStop    time.Duration `setting:"idle_stop"`
	Username    string        `setting:"username"`
	PasswordEnv string        `setting:"password_env"`

	password string
}

// New builds a subscriber from job settings (see the README beside this
// file); the password is the secret env gives for password_env.
func New(s map[string]string, env connectors.Env) (*Subscriber, error) {
	sub := &Subscriber{BatchSize: 5000, BatchWait: 2 * time.Second}
	if err := connectors.Decode("mqtt", s, sub); err != nil {
		return nil, err
	}
	if len(sub.Topics) == 0 {
		return nil, fmt.Errorf("mqtt: setting topics names no topic")
	}
	if sub.BatchSize < 1 {
		return nil, fmt.Errorf("mqtt: setting batch_size %d: want 1 or more", sub.BatchSize)
	}
	if sub.PasswordEnv != "" {
		var ok bool
		if env.Secret != nil {
			sub.password, ok = env.Secret(sub.PasswordEnv)
		}
		if !ok {
			return nil, fmt.Errorf("mqtt: password_env %s is not set in the environment", sub.PasswordEnv)
		}
	}
	return sub, nil
}

// Close releases nothing between pulls: each pull connects and
// disconnects its own client.
func (s *Subscriber) Close() error { return nil }

// ConnectTimeout bounds how long a pull waits for the broker to accept the
// connection: an unreachable broker fails the run (and is tried again at the
// next one) instead of holding it, and the data set's lock, forever.
var ConnectTimeout = 10 * time.Second

// Pull connects, subscribes and yields batches until the context ends or
// the subscription has been idle for IdleStop. Batches are flushed when
// full, after BatchWait, or as soon as the stream goes quiet (a broker with
// a small in-flight window sends no more until it sees acknowledgements).
func (s *Subscriber) Pull(ctx context.Context, yield func(connectors.Item) error) error {
	return s.run(ctx, yield, s.IdleStop, 50*time.Millisecond)
}

// Stream is the continuous subscription `waymark serve` keeps open: it
// yields a micro-batch every BatchSize messages or BatchWait, whichever
// comes first, each acknowledged only after the runner has committed it,
// and returns only when ctx ends or the broker cannot be reached.
func (s *Subscriber) Stream(ctx context.Context, yield func(connectors.Item) error) error {
	return s.run(ctx, yield, 0, 0)
}

// run is Pull and Stream: idleStop > 0 ends it after that long without a
// message, quiet > 0 flushes a batch once no message came for that long.
// Every way out disconnects the client and releases the message handler,
// so no goroutine outlives a pull, however it ends.
func (s *Subscriber) run(ctx context.Context, yield func(connectors.Item) error, idleStop, quiet time.Duration) error {
	msgs := make(chan paho.Message, s.BatchSize)
	// done is closed when run returns: a handler still holding a message
	// then drops it (unacknowledged, so the broker delivers it again)
	// instead of blocking paho's router, and with it Disconnect, forever.
	done := make(chan struct{})
	opts := paho.NewClientOptions().
		AddBroker(s.Broker).
		SetClientID(s.ClientID).
		SetCleanSession(false).
		SetAutoAckDisabled(true).
		SetOrderMatters(true).
		SetAutoReconnect(true).
		SetConnectTimeout(ConnectTimeout).
		SetKeepAlive(30 * time.Second).
		SetDefaultPublishHandler(func(_ paho.Client, m paho.Message) {
			select {
			case msgs <- m:
			case <-done:
			}
		})
	if s.Username != "" {
		opts.SetUsername(s.Username).SetPassword(s.password)
	}
	filters := map[string]byte{}
	for _, t := range s.Topics {
		filters[t] = 1
	}
	opts.SetOnConnectHandler(func(c paho.Client) {
		// Resubscribe on every (re)connect; with a persistent session the
		// broker then delivers what it queued meanwhile.
		c.SubscribeMultiple(filters, nil)
	})
	client := paho.NewClient(opts)
	// Deferred calls run last-in first-out: done is closed before the
	// client disconnects.
	// Disconnect waits (up to 2 s, less when nothing is pending) for the
	// acknowledgements already given to reach the broker: a busy machine
	// can take longer than a quarter second, and an unsent PUBACK makes
	// the broker deliver a committed batch again.
	defer client.Disconnect(2000)
	defer close(done)
	tok := client.Connect()
	select {
	case <-tok.Done():
		if err := tok.Error(); err != nil {
			return fmt.Errorf("mqtt %s: connect: %w", connectors.RedactURL(s.Broker), err)
		}
	case <-ctx.Done():
		return ctx.Err()
	}

	var batch []paho.Message
	var first time.Time
	seq := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		seq++
		body, err := s.encode(batch)
		if err != nil {
			return err
		}
		pending := batch
		batch = nil
		item := connectors.Item{
			Source:      "mqtt:" + connectors.RedactURL(s.Broker),
			Name:        fmt.Sprintf("%s/%s-%04d.json", s.ClientID, first.UTC().Format("20060102T150405.000000Z"), seq),
			Format:      "json",
			SubmittedAt: first,
			Open:        func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(body)), nil },
			Ack: func(bool) error {
				// Acknowledge only now: the batch is in the lake (or in the
				// quarantine), so the broker may forget these messages.
				for _, m := range pending {
					m.Ack()
				}
				return nil
			},
		}
		return yield(item)
	}
	step := s.BatchWait
	if quiet > 0 {
		step = min(step, quiet)
	}
	tick := time.NewTicker(max(step, time.Millisecond))
	defer tick.Stop()
	last := time.Now()
	for {
		select {
		case <-ctx.Done():
			// Unflushed messages are not acknowledged: the broker redelivers them.
			return ctx.Err()
		case m := <-msgs:
			if len(batch) == 0 {
				first = time.Now()
			}
			batch = append(batch, m)
			last = time.Now()
			if len(batch) >= s.BatchSize {
				if err := flush(); err != nil {
					return err
				}
			}
		case now := <-tick.C:
			if len(batch) > 0 && ((quiet > 0 && now.Sub(last) >= quiet) || now.Sub(first) >= s.BatchWait) {
				if err := flush(); err != nil {
					return err
				}
			}
			if idleStop > 0 && len(batch) == 0 && now.Sub(last) >= idleStop {
				return nil
			}
		}
	}
}

// encode writes the batch as newline-delimited JSON, one record per
// message, adding the topic levels named in TopicFields and the message's
// topic. A payload that is not a JSON object is kept as {"payload": "..."}
// so that it reaches the quarantine with its bytes instead of vanishing.
func (s *Subscriber) encode(batch []paho.Message) ([]byte, error) {
	var buf bytes.Buffer
	for _, m := range batch {
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(m.Payload()))
		dec.UseNumber()
		if err := dec.Decode(&obj); err != nil || obj == nil {
			obj = map[string]any{"payload": string(m.Payload())}
		}
		levels := strings.Split(m.Topic(), "/")
		for i, f := range strings.Split(s.TopicFields, "/") {
			if f != "_" && f != "" && i < len(levels) {
				if _, set := obj[f]; !set {
					obj[f] = levels[i]
				}
			}
		}
		obj["topic"] = m.Topic()
		b, err := json.Marshal(obj)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
		buf.WriteByte('\n')
	}
	return buf.Bytes(), nil
}
