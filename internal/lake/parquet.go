// Package lake writes the Parquet lake: the single Parquet writer of the
// project, atomic file commits, and the Hive-style layout that Spark, Trino
// or DuckDB read unchanged.
package lake

import (
	"encoding/binary"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
)

// Type is the logical type of a lake column. The set is small on purpose:
// it is the contract external engines rely on.
type Type int

// Column types. Decimal quantities are stored as DOUBLE: the figures are
// measurements and ratios, never money that must add up to the cent.
const (
	String Type = iota
	Int64
	Float64
	Date
	Timestamp
	Bool
)

// ParseType maps a contract type name to a Type.
func ParseType(s string) (Type, error) {
	switch s {
	case "string", "text":
		return String, nil
	case "int", "integer", "bigint":
		return Int64, nil
	case "decimal", "double", "float", "number":
		return Float64, nil
	case "date", "month":
		return Date, nil
	case "timestamp":
		return Timestamp, nil
	case "bool", "boolean":
		return Bool, nil
	}
	return 0, fmt.Errorf("unknown column type %q (want string, int, decimal, date, month, timestamp or bool)", s)
}

// SQL is the DuckDB type a column of this Type reads as.
func (t Type) SQL() string {
	return [...]string{"VARCHAR", "BIGINT", "DOUBLE", "DATE", "TIMESTAMPTZ", "BOOLEAN"}[t]
}

// Column is one lake column. All columns are nullable: a missing value is
// a fact worth keeping, not a reason to drop the row.
type Column struct {
	Name string
	Type Type
}

// Value is one typed cell on its way to Parquet. It is a plain struct, not
// an interface, so that rows flow from the validator to the writer without
// a heap allocation per cell. Dates are days since 1970-01-01, timestamps
// microseconds since the Unix epoch (UTC), booleans 0 or 1.
type Value struct {
	Null bool
	S    string
	I    int64
	F    float64
}

// Str, Int, Float, Day, Micros and Null build Values.
func Str(s string) Value       { return Value{S: s} }
func Int(i int64) Value        { return Value{I: i} }
func Float(f float64) Value    { return Value{F: f} }
func Null() Value              { return Value{Null: true} }
func Micros(t time.Time) Value { return Value{I: t.UnixMicro()} }

// Day is the date of t (its calendar date, whatever its zone).
func Day(t time.Time) Value {
	y, m, d := t.Date()
	return Value{I: int64(time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epoch) / (24 * time.Hour))}
}

// Time turns a Date or Timestamp value back into a time (UTC).
func (v Value) Time(t Type) time.Time {
	if t == Date {
		return epoch.AddDate(0, 0, int(v.I))
	}
	return time.UnixMicro(v.I).UTC()
}

// RowWriter streams rows into one zstd-compressed Parquet file: flat,
// every column optional, strings dictionary-encoded, version 1 data pages,
// statistics per column chunk. It is the lake's own encoder rather than a
// general Parquet library because the lake needs nothing else, and the
// general path (parquet-go) was a third of an ingest's CPU: every value
// was boxed into a generic value, gathered per column and hashed into a
// dictionary, a file's constant lineage columns included. Here a value
// goes straight into its column's page, a repeat of the last string costs
// one comparison, and a page of one value is one run. Rows are encoded on
// the caller's goroutine: an ingest already keeps both cores busy with
// reading, validating and writing, and handing rows over cost more than
// the encoding they would have shared.
type RowWriter struct {
	key  string
	name string // the schema's root
	cols []Column
	enc  []*column
	meta [][2]string // the footer's key-value metadata, sorted by key

	out     io.Writer
	pos     int64 // bytes written so far
	started bool
	groups  []byte // the footer's row groups, encoded
	ngroups int

	count   int64
	flushed int64
}

// rowGroupRows bounds a row group: large enough for good compression and
// for readers to skip whole groups by their statistics, small enough that
// a row group in memory stays small.
const rowGroupRows = 500_000

// writers keeps finished writers per schema (Release) for the next file of
// the same schema: a writer's buffers are megabytes, and a run of many
// small logger files would otherwise allocate them per file.
var writers sync.Map // schema key -> *sync.Pool of *RowWriter

func schemaKey(name string, cols []Column) string {
	var b strings.Builder
	b.WriteString(name)
	for _, c := range cols {
		fmt.Fprintf(&b, "\x00%s:%d", c.Name, c.Type)
	}
	return b.String()
}

// NewRowWriter starts a Parquet file on out.
func NewRowWriter(out io.Writer, name string, cols []Column) *RowWriter {
	key := schemaKey(name, cols)
	if pool, ok := writers.Load(key); ok {
		if rw, ok := pool.(*sync.Pool).Get().(*RowWriter); ok {
			rw.out = out
			return rw
		}
	}
	rw := newRowWriter(out, name, cols, WriterOptions{})
	rw.key = key
	return rw
}

func newRowWriter(out io.Writer, name string, cols []Column, o WriterOptions) *RowWriter {
	rw := &RowWriter{name: name, cols: cols, out: out}
	for _, c := range cols {
		scale := -1
		if s, ok := o.Decimals[c.Name]; ok && c.Type == Int64 {
			scale = s
		}
		rw.enc = append(rw.enc, newColumn(c, scale))
	}
	// Sorted keys: the same content gives the same bytes.
	for _, k := range slices.Sorted(maps.Keys(o.Metadata)) {
		rw.meta = append(rw.meta, [2]string{k, o.Metadata[k]})
	}
	return rw
}

// Release hands a writer back for the next file of its schema, closed or
// abandoned after an error; the writer must not be used after.
func (rw *RowWriter) Release() {
	if rw.key == "" {
		return // a writer with options is not shared
	}
	// Even a writer abandoned mid-file hands on nothing of its rows.
	for _, c := range rw.enc {
		c.reset()
	}
	rw.out, rw.pos, rw.started = nil, 0, false
	rw.groups, rw.ngroups = rw.groups[:0], 0
	rw.count, rw.flushed = 0, 0
	pool, _ := writers.LoadOrStore(rw.key, &sync.Pool{})
	pool.(*sync.Pool).Put(rw)
}

// WriteValues appends one row. The writer copies what it keeps, so the
// caller may reuse vals for the next row; strings, as Go's always are, must
// stay as they are (the writer compares a repeated one by its pointer).
func (rw *RowWriter) WriteValues(vals []Value) error {
	if len(vals) != len(rw.cols) {
		return fmt.Errorf("row has %d values, schema has %d columns", len(vals), len(rw.cols))
	}
	for i := range vals {
		rw.enc[i].add(&vals[i])
	}
	rw.count++
	if rw.count-rw.flushed >= rowGroupRows {
		return rw.endGroup()
	}
	return nil
}

// Write appends one row given as Go values (string, int64, float64,
// time.Time, bool or nil), for the small tables (quarantine, ledger).
func (rw *RowWriter) Write(vals []any) error {
	if len(vals) != len(rw.cols) {
		return fmt.Errorf("row has %d values, schema has %d columns", len(vals), len(rw.cols))
	}
	row := make([]Value, len(vals))
	for i, v := range vals {
		val, err := toValue(rw.cols[i].Type, v)
		if err != nil {
			return fmt.Errorf("column %s: %w", rw.cols[i].Name, err)
		}
		row[i] = val
	}
	return rw.WriteValues(row)
}

func (rw *RowWriter) write(b []byte) error {
	n, err := rw.out.Write(b)
	rw.pos += int64(n)
	return err
}

func (rw *RowWriter) start() error {
	if rw.started {
		return nil
	}
	rw.started = true
	return rw.write([]byte(magic))
}

const magic = "PAR1"

// endGroup writes the row group's column chunks, one after the other, and
// keeps what the footer says of them.
func (rw *RowWriter) endGroup() error {
	rows := rw.count - rw.flushed
	if rows == 0 {
		return nil
	}
	rw.flushed = rw.count
	if err := rw.start(); err != nil {
		return err
	}
	chunks := make([]chunk, len(rw.enc))
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 1; i < len(rw.enc); i += 2 {
			chunks[i] = rw.enc[i].finish()
		}
	}()
	for i := 0; i < len(rw.enc); i += 2 {
		chunks[i] = rw.enc[i].finish()
	}
	wg.Wait()
	var g compact
	g.reset()
	g.list(1, ctStruct, len(chunks))
	groupStart := rw.pos
	var total int64
	for i, ch := range chunks {
		start := rw.pos
		if err := rw.write(ch.dictPage); err != nil {
			return err
		}
		dataStart := rw.pos
		if err := rw.write(ch.pages); err != nil {
			return err
		}
		total += ch.dictRaw + ch.uncompressed
		rw.enc[i].chunkMeta(&g, ch, start, dataStart, rw.pos)
	}
	g.i64(2, total)
	g.i64(3, rows)
	g.i64(5, groupStart)
	g.i64(6, rw.pos-groupStart)
	g.end()
	rw.groups = append(rw.groups, g.buf...)
	rw.ngroups++
	return nil
}

// Close writes what is left and the footer; the underlying writer stays
// open.
func (rw *RowWriter) Close() error {
	if err := rw.endGroup(); err != nil {
		return err
	}
	if err := rw.start(); err != nil {
		return err
	}
	var f compact
	f.reset()
	f.i32(1, 1)
	f.list(2, ctStruct, len(rw.enc)+1)
	f.begin()
	f.str(4, rw.name)
	f.i32(5, int32(len(rw.enc)))
	f.end()
	for _, c := range rw.enc {
		c.schemaElement(&f)
	}
	f.i64(3, rw.count)
	f.list(4, ctStruct, rw.ngroups)
	f.buf = append(f.buf, rw.groups...)
	if len(rw.meta) > 0 {
		f.list(5, ctStruct, len(rw.meta))
		for _, kv := range rw.meta {
			f.begin()
			f.str(1, kv[0])
			f.str(2, kv[1])
			f.end()
		}
	}
	// In the "<app> version <v>" form parquet-mr parses: a created_by it
	// cannot parse makes Spark ignore the statistics of string columns.
	f.str(6, "waymark version 1.0.0")
	// Column orders: the statistics follow each type's natural order, so
	// readers may use them to skip row groups.
	f.list(7, ctStruct, len(rw.enc))
	for range rw.enc {
		f.begin()
		f.structField(1)
		f.end()
		f.end()
	}
	f.end()
	n := len(f.buf)
	f.buf = binary.LittleEndian.AppendUint32(f.buf, uint32(n))
	f.buf = append(f.buf, magic...)
	return rw.write(f.buf)
}

// EndRowGroup closes the current row group, so a caller can size row
// groups for its readers (smaller than the lake's own bound).
func (rw *RowWriter) EndRowGroup() error {
	return rw.endGroup()
}

// Rows is how many rows have been written.
func (rw *RowWriter) Rows() int64 { return rw.count }

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func toValue(t Type, v any) (Value, error) {
	if v == nil {
		return Null(), nil
	}
	switch t {
	case String:
		if s, ok := v.(string); ok {
			return Str(s), nil
		}
	case Int64:
		if n, ok := v.(int64); ok {
			return Int(n), nil
		}
	case Float64:
		if f, ok := v.(float64); ok {
			return Float(f), nil
		}
	case Date:
		if d, ok := v.(time.Time); ok {
			return Day(d), nil
		}
	case Timestamp:
		if ts, ok := v.(time.Time); ok {
			return Micros(ts), nil
		}
	case Bool:
		if b, ok := v.(bool); ok {
			if b {
				return Int(1), nil
			}
			return Int(0), nil
		}
	}
	return Value{}, fmt.Errorf("value %v (%T) does not fit type %s", v, v, t.SQL())
}
