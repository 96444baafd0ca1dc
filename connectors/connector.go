// Package connectors defines how Waymark reads its sources. A Connector
// finds what has arrived (files in a drop folder, pages of an HTTP API,
// MQTT messages) and hands each as an Item; a RowReader decodes an Item's
// bytes into raw rows. Validation against a data set's contract happens
// later, in pipelines, so every connector stays small and format-blind.
package connectors

import (
	"context"
	"fmt"
	"io"
	"sort"
	"sync"
	"time"
)

// Item is one unit that arrived from a source: a file, a page, a message.
type Item struct {
	// Source names the connector instance, e.g. "dropfolder:inbox/zw".
	Source string
	// Name identifies the item within the source: a file name, a URL, a topic.
	Name string
	// Format is the decoder to use: "xlsx", "csv" or "json".
	Format string
	// SubmittedAt is when the sender handed it over (file mtime, message time).
	SubmittedAt time.Time
	// Open returns the item's bytes; it may be called more than once.
	Open func() (io.ReadCloser, error)
	// Ack is called once the item is safely in the lake (ok) or has been
	// quarantined whole (not ok); a drop folder archives the file then.
	Ack func(ok bool) error
}

// Connector finds the items that have arrived and yields them in order.
// Its life: built from typed settings by its Factory (which validates
// them), then Pull once per run (a stream yields until the context ends),
// then Close, which releases what it holds (connections, goroutines).
// A yield error stops the pull and is returned.
type Connector interface {
	Pull(ctx context.Context, yield func(Item) error) error
	Close() error
}

// Streamer is a connector that can also run as a continuous subscription
// (MQTT under `waymark serve`): Stream yields items as they form, each
// acknowledged through its Ack once committed, and returns only when ctx
// ends or the source cannot be reached.
type Streamer interface {
	Stream(ctx context.Context, yield func(Item) error) error
}

// Row is one raw row as the file holds it, before any typing.
type Row struct {
	Sheet  string
	Number int // 1-based row number in the sheet or file
	Cells  []string
}

// RowReader yields raw rows; Next returns io.EOF after the last one.
type RowReader interface {
	Next() (Row, error)
	Close() error
}

// Limits bound what decoding one item may cost.
type Limits struct {
	MaxBytes         int64
	MaxUnzippedBytes int64
	MaxRows          int
}

// Opener decodes a landed file into rows.
type Opener func(path string, lim Limits) (RowReader, error)

// Factory builds a connector from its job settings (decode them with
// Decode into the connector's own settings struct) and its Env.
type Factory func(settings map[string]string, env Env) (Connector, error)

var (
	mu        sync.RWMutex
	openers   = map[string]Opener{}
	factories = map[string]Factory{}
)

// RegisterFormat makes a decoder available under a format name. Decoder
// packages call it from init, so registration lives in one place per kind.
func RegisterFormat(format string, o Opener) {
	mu.Lock()
	defer mu.Unlock()
	openers[format] = o
}

// RegisterKind makes a connector kind available to job specs.
func RegisterKind(kind string, f Factory) {
	mu.Lock()
	defer mu.Unlock()
	factories[kind] = f
}

// OpenRows decodes the file at path with the decoder for format.
func OpenRows(format, path string, lim Limits) (RowReader, error) {
	mu.RLock()
	o, ok := openers[format]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("no decoder for format %q (have %v)", format, Formats())
	}
	return o(path, lim)
}

// New builds a connector of the given kind.
func New(kind string, settings map[string]string, env Env) (Connector, error) {
	mu.RLock()
	f, ok := factories[kind]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("unknown connector kind %q", kind)
	}
	return f(settings, env)
}

// Formats lists the registered decoders.
func Formats() []string {
	mu.RLock()
	defer mu.RUnlock()
	out := make([]string, 0, len(openers))
	for k := range openers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
