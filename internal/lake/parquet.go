// Package lake writes the Parquet lake: the single Parquet writer of the
// project, atomic file commits, and the Hive-style layout that Spark, Trino
// or DuckDB read unchanged.
package lake

import (
	"fmt"
	"io"
	"time"

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
		return parquet.String()
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

// RowWriter streams rows into one zstd-compressed Parquet file. Values are
// given in column order as string, int64, float64, time.Time, bool or nil.
type RowWriter struct {
	cols  []Column
	w     *parquet.Writer
	buf   []parquet.Row
	count int64
}

// rowBatch is how many rows are handed to parquet-go at once: enough to
// amortise the call, small enough to keep memory flat.
const rowBatch = 1024

// NewRowWriter starts a Parquet file on out.
func NewRowWriter(out io.Writer, name string, cols []Column) *RowWriter {
	schema := Schema(name, cols)
	w := parquet.NewWriter(out, schema,
		parquet.Compression(&zstd.Codec{Level: zstd.SpeedDefault}),
		parquet.PageBufferSize(256<<10),
	)
	return &RowWriter{cols: cols, w: w}
}

// Write appends one row.
func (rw *RowWriter) Write(vals []any) error {
	if len(vals) != len(rw.cols) {
		return fmt.Errorf("row has %d values, schema has %d columns", len(vals), len(rw.cols))
	}
	row := make(parquet.Row, len(vals))
	for i, v := range vals {
		pv, err := toValue(rw.cols[i].Type, v)
		if err != nil {
			return fmt.Errorf("column %s: %w", rw.cols[i].Name, err)
		}
		if v == nil {
			row[i] = pv.Level(0, 0, i)
		} else {
			row[i] = pv.Level(0, 1, i)
		}
	}
	rw.buf = append(rw.buf, row)
	rw.count++
	if len(rw.buf) >= rowBatch {
		return rw.flush()
	}
	return nil
}

func (rw *RowWriter) flush() error {
	if len(rw.buf) == 0 {
		return nil
	}
	if _, err := rw.w.WriteRows(rw.buf); err != nil {
		return err
	}
	rw.buf = rw.buf[:0]
	return nil
}

// Rows is how many rows were written.
func (rw *RowWriter) Rows() int64 { return rw.count }

// Close flushes and writes the footer; the underlying writer stays open.
func (rw *RowWriter) Close() error {
	if err := rw.flush(); err != nil {
		return err
	}
	return rw.w.Close()
}

var epoch = time.Date(1970, 1, 1, 0, 0, 0, 0, time.UTC)

func toValue(t Type, v any) (parquet.Value, error) {
	if v == nil {
		return parquet.NullValue(), nil
	}
	switch t {
	case String:
		if s, ok := v.(string); ok {
			return parquet.ByteArrayValue([]byte(s)), nil
		}
	case Int64:
		if n, ok := v.(int64); ok {
			return parquet.Int64Value(n), nil
		}
	case Float64:
		if f, ok := v.(float64); ok {
			return parquet.DoubleValue(f), nil
		}
	case Date:
		if d, ok := v.(time.Time); ok {
			y, m, day := d.Date()
			days := time.Date(y, m, day, 0, 0, 0, 0, time.UTC).Sub(epoch) / (24 * time.Hour)
			return parquet.Int32Value(int32(days)), nil
		}
	case Timestamp:
		if ts, ok := v.(time.Time); ok {
			return parquet.Int64Value(ts.UnixMicro()), nil
		}
	case Bool:
		if b, ok := v.(bool); ok {
			return parquet.BooleanValue(b), nil
		}
	}
	return parquet.Value{}, fmt.Errorf("value %v (%T) does not fit type %s", v, v, t.SQL())
}
