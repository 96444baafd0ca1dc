// Package lake writes the Parquet lake: the single Parquet writer of the
// project, atomic file commits, and the Hive-style layout that Spark, Trino
// or DuckDB read unchanged.
package lake

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"
	"unsafe"

	"github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
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

func (t Type) node() parquet.Node {
	switch t {
	case Int64:
		return parquet.Int(64)
	case Float64:
		return parquet.Leaf(parquet.DoubleType)
	case Date:
		return parquet.Date()
	case Timestamp:
		return parquet.Timestamp(parquet.Microsecond)
	case Bool:
		return parquet.Leaf(parquet.BooleanType)
	default:
		// Lake strings repeat (station ids, units, lineage): a dictionary
		// makes them small and cheap to compress.
		return parquet.Encoded(parquet.String(), &parquet.RLEDictionary)
	}
}

// orderedGroup keeps columns in contract order; parquet.Group alone sorts
// them by name, which would scramble SELECT * for every analyst.
type orderedGroup struct {
	parquet.Group
	order map[string]int
}

func (g orderedGroup) Fields() []parquet.Field {
	fields := g.Group.Fields()
	out := make([]parquet.Field, len(fields))
	for _, f := range fields {
		out[g.order[f.Name()]] = f
	}
	return out
}

// Schema builds the Parquet schema for cols.
func Schema(name string, cols []Column) *parquet.Schema {
	g := orderedGroup{Group: parquet.Group{}, order: map[string]int{}}
	for i, c := range cols {
		g.Group[c.Name] = parquet.Optional(c.Type.node())
		g.order[c.Name] = i
	}
	return parquet.NewSchema(name, g)
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

// RowWriter streams rows into one zstd-compressed Parquet file. Rows are
// gathered column by column and handed to parquet-go's column writers a
// batch at a time, which avoids transposing every row.
type RowWriter struct {
	key     string
	cols    []Column
	w       *parquet.GenericWriter[any]
	colVals [][]parquet.Value
	pending int
	count   int64
	flushed int64
}

// codec is shared by every writer: a zstd codec pools its encoders, whose
// history buffers are megabytes; one codec per file would allocate them
// again for every small file.
var codec = &zstd.Codec{Level: zstd.SpeedDefault}

// rowBatch is how many rows are handed to parquet-go at once: enough to
// amortise the call, small enough to keep memory flat.
const rowBatch = 4096

// rowGroupRows bounds a row group: large enough for good compression and
// for readers to skip whole groups by their statistics, small enough that
// a row group in memory stays small.
const rowGroupRows = 500_000

// writers keeps finished writers per schema (Release) for the next file of
// the same schema: a writer's page buffers are megabytes, and a run of many
// small logger files would otherwise allocate and clear them per file.
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
			rw.w.Reset(out)
			return rw
		}
	}
	schema := Schema(name, cols)
	w := parquet.NewGenericWriter[any](out, schema,
		parquet.Compression(codec),
		parquet.PageBufferSize(256<<10),
		// Readers take page bounds from the column index, which is kept;
		// the same bounds again in every page header cost a second pass
		// over each page's values.
		parquet.DataPageStatistics(false),
	)
	colVals := make([][]parquet.Value, len(cols))
	for i := range colVals {
		colVals[i] = make([]parquet.Value, 0, rowBatch)
	}
	return &RowWriter{key: key, cols: cols, w: w, colVals: colVals}
}

// Release hands a closed writer back for the next file of its schema; the
// writer must not be used after.
func (rw *RowWriter) Release() {
	for i := range rw.colVals {
		clear(rw.colVals[i])
		rw.colVals[i] = rw.colVals[i][:0]
	}
	rw.pending, rw.count, rw.flushed = 0, 0, 0
	pool, _ := writers.LoadOrStore(rw.key, &sync.Pool{})
	pool.(*sync.Pool).Put(rw)
}

// WriteValues appends one row. The writer copies what it needs, so the
// caller may reuse vals (and the strings' memory) for the next row.
func (rw *RowWriter) WriteValues(vals []Value) error {
	if len(vals) != len(rw.cols) {
		return fmt.Errorf("row has %d values, schema has %d columns", len(vals), len(rw.cols))
	}
	for i, v := range vals {
		if v.Null {
			nv := parquet.NullValue()
			nv.SetColumnIndex(i)
			rw.colVals[i] = append(rw.colVals[i], nv)
			continue
		}
		var pv parquet.Value
		switch rw.cols[i].Type {
		case String:
			pv = parquet.ByteArrayValue(unsafe.Slice(unsafe.StringData(v.S), len(v.S)))
		case Int64, Timestamp:
			pv = parquet.Int64Value(v.I)
		case Float64:
			pv = parquet.DoubleValue(v.F)
		case Date:
			pv = parquet.Int32Value(int32(v.I))
		case Bool:
			pv = parquet.BooleanValue(v.I != 0)
		}
		// The in-place setters inline; Level() would copy the value twice.
		pv.SetDefinitionLevel(1)
		pv.SetColumnIndex(i)
		rw.colVals[i] = append(rw.colVals[i], pv)
	}
	rw.pending++
	rw.count++
	if rw.pending >= rowBatch {
		return rw.flush()
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

func (rw *RowWriter) flush() error {
	if rw.pending == 0 {
		return nil
	}
	// Columns are independent until the row group closes: half of them
	// are encoded and compressed on a second goroutine, which keeps both
	// cores busy when one large file is the whole run.
	ws := rw.w.ColumnWriters()
	var errs [2]error
	half := func(k int) {
		for i := k; i < len(ws); i += 2 {
			if _, err := ws[i].WriteRowValues(rw.colVals[i]); err != nil {
				errs[k] = fmt.Errorf("column %s: %w", rw.cols[i].Name, err)
				return
			}
			// parquet-go has copied the values (byte arrays included)
			// into its column buffers: the slices can be reused.
			rw.colVals[i] = rw.colVals[i][:0]
		}
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		half(1)
	}()
	half(0)
	wg.Wait()
	if err := errors.Join(errs[0], errs[1]); err != nil {
		return err
	}
	rw.pending = 0
	if rw.count-rw.flushed >= rowGroupRows {
		// Close the row group: its pages leave memory for the file.
		rw.flushed = rw.count
		return rw.w.Flush()
	}
	return nil
}

// Close flushes and writes the footer; the underlying writer stays open.
func (rw *RowWriter) Close() error {
	if err := rw.flush(); err != nil {
		return err
	}
	return rw.w.Close()
}

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
