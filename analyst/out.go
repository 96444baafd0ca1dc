package analyst

import (
	"context"
	"database/sql"
	"encoding/csv"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
)

// OutFormats are the file types --out writes, by extension.
var OutFormats = []string{".parquet", ".csv", ".xlsx"}

// WriteResult runs q and writes its result to path, whose extension says
// the format: .parquet (zstd, with the column types: DECIMAL keeps its
// scale, timestamps their instant), .csv (UTF-8, header) or .xlsx. The
// file is written by Waymark, not by DuckDB: the reader cannot write files.
// It returns the rows written.
func (s *Session) WriteResult(ctx context.Context, q, path string) (int64, error) {
	ext := strings.ToLower(filepath.Ext(path))
	switch ext {
	case ".parquet", ".csv", ".xlsx":
	default:
		return 0, fmt.Errorf("--out %s: want a .parquet, .csv or .xlsx file", path)
	}
	rows, err := s.db.QueryContext(ctx, q)
	if err != nil {
		return 0, err
	}
	defer rows.Close()
	types, err := rows.ColumnTypes()
	if err != nil {
		return 0, err
	}
	cols := make([]outColumn, len(types))
	for i, t := range types {
		cols[i] = newOutColumn(t.Name(), t.DatabaseTypeName())
	}
	// Written beside under another name, renamed when whole (excelize wants the extension).
	tmp := strings.TrimSuffix(path, filepath.Ext(path)) + ".tmp" + ext
	var n int64
	switch ext {
	case ".parquet":
		n, err = writeParquet(rows, cols, tmp)
	case ".csv":
		n, err = writeCSV(rows, cols, tmp)
	case ".xlsx":
		n, err = writeXLSX(rows, cols, tmp)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, err
	}
	return n, os.Rename(tmp, path)
}

type outColumn struct {
	name  string
	db    string
	typ   lake.Type
	scale int // DECIMAL columns: digits after the point; -1 otherwise
}

var reDecimal = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

func newOutColumn(name, dbType string) outColumn {
	c := outColumn{name: name, db: dbType, typ: lake.String, scale: -1}
	switch {
	case reDecimal.MatchString(dbType):
		m := reDecimal.FindStringSubmatch(dbType)
		p, _ := strconv.Atoi(m[1])
		sc, _ := strconv.Atoi(m[2])
		if p <= 18 {
			c.typ, c.scale = lake.Int64, sc
		} else {
			c.typ = lake.Float64
		}
	case dbType == "TINYINT", dbType == "SMALLINT", dbType == "INTEGER", dbType == "BIGINT",
		dbType == "UTINYINT", dbType == "USMALLINT", dbType == "UINTEGER":
		c.typ = lake.Int64
	case dbType == "DOUBLE", dbType == "FLOAT", dbType == "HUGEINT", dbType == "UBIGINT":
		c.typ = lake.Float64
	case dbType == "DATE":
		c.typ = lake.Date
	case strings.HasPrefix(dbType, "TIMESTAMP"):
		c.typ = lake.Timestamp
	case dbType == "BOOLEAN":
		c.typ = lake.Bool
	}
	return c
}

// scan reads one row as any values.
func scan(rows *sql.Rows, n int) ([]any, error) {
	vals := make([]any, n)
	ptrs := make([]any, n)
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	return vals, rows.Scan(ptrs...)
}

func (c outColumn) value(v any) (lake.Value, error) {
	if v == nil {
		return lake.Null(), nil
	}
	switch c.typ {
	case lake.Int64:
		f, ok := sqltext.Float(v)
		if !ok {
			return lake.Value{}, fmt.Errorf("column %s: %v (%T) is not a number", c.name, v, v)
		}
		if c.scale >= 0 {
			return lake.Int(int64(math.Round(f * math.Pow10(c.scale)))), nil
		}
		if n, ok := v.(int64); ok {
			return lake.Int(n), nil
		}
		return lake.Int(int64(f)), nil
	case lake.Float64:
		f, ok := sqltext.Float(v)
		if !ok {
			return lake.Value{}, fmt.Errorf("column %s: %v (%T) is not a number", c.name, v, v)
		}
		return lake.Float(f), nil
	case lake.Date:
		if t, ok := v.(time.Time); ok {
			return lake.Day(t), nil
		}
	case lake.Timestamp:
		if t, ok := v.(time.Time); ok {
			return lake.Micros(t), nil
		}
	case lake.Bool:
		if b, ok := v.(bool); ok {
			if b {
				return lake.Int(1), nil
			}
			return lake.Int(0), nil
		}
	default:
		return lake.Str(Cell(v)), nil
	}
	return lake.Str(Cell(v)), nil
}

func writeParquet(rows *sql.Rows, cols []outColumn, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lc := make([]lake.Column, len(cols))
	dec := map[string]int{}
	for i, c := range cols {
		lc[i] = lake.Column{Name: c.name, Type: c.typ}
		if c.scale >= 0 {
			dec[c.name] = c.scale
		}
	}
	w := lake.NewRowWriterWith(f, "result", lc, lake.WriterOptions{Decimals: dec})
	row := make([]lake.Value, len(cols))
	for rows.Next() {
		vals, err := scan(rows, len(cols))
		if err != nil {
			return 0, err
		}
		for i, c := range cols {
			if row[i], err = c.value(vals[i]); err != nil {
				return 0, err
			}
		}
		if err := w.WriteValues(row); err != nil {
			return 0, err
		}
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return w.Rows(), f.Close()
}

func writeCSV(rows *sql.Rows, cols []outColumn, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.name
	}
	w.Write(head)
	var n int64
	for rows.Next() {
		vals, err := scan(rows, len(cols))
		if err != nil {
			return 0, err
		}
		rec := make([]string, len(vals))
		for i, v := range vals {
			if t, ok := v.(time.Time); ok && cols[i].typ == lake.Timestamp {
				rec[i] = t.Format(time.RFC3339Nano)
				continue
			}
			if f, ok := v.(float64); ok {
				rec[i] = strconv.FormatFloat(f, 'g', -1, 64) // every digit: a file is for machines too
				continue
			}
			rec[i] = Cell(v)
		}
		w.Write(rec)
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return 0, err
	}
	return n, f.Close()
}

func writeXLSX(rows *sql.Rows, cols []outColumn, path string) (int64, error) {
	x := excelize.NewFile()
	defer x.Close()
	sheet := "result"
	x.SetSheetName("Sheet1", sheet)
	sw, err := x.NewStreamWriter(sheet)
	if err != nil {
		return 0, err
	}
	bold, _ := x.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	dateStyle, _ := x.NewStyle(&excelize.Style{NumFmt: 14})
	tsFmt := "yyyy-mm-dd hh:mm:ss"
	tsStyle, _ := x.NewStyle(&excelize.Style{CustomNumFmt: &tsFmt})
	head := make([]any, len(cols))
	for i, c := range cols {
		head[i] = excelize.Cell{StyleID: bold, Value: c.name}
	}
	if err := sw.SetRow("A1", head); err != nil {
		return 0, err
	}
	var n int64
	for rows.Next() {
		vals, err := scan(rows, len(cols))
		if err != nil {
			return 0, err
		}
		out := make([]any, len(vals))
		for i, v := range vals {
			c := cols[i]
			switch {
			case v == nil:
				out[i] = nil
			case c.typ == lake.Date:
				out[i] = excelize.Cell{StyleID: dateStyle, Value: v}
			case c.typ == lake.Timestamp:
				// Excel has no zones: write the wall time of the warehouse's zone.
				t := v.(time.Time)
				out[i] = excelize.Cell{StyleID: tsStyle, Value: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)}
			case c.typ == lake.Int64 || c.typ == lake.Float64:
				f, _ := sqltext.Float(v)
				out[i] = f
			case c.typ == lake.Bool:
				out[i] = v
			default:
				out[i] = Cell(v)
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, int(n)+2)
		if err := sw.SetRow(cell, out); err != nil {
			return 0, err
		}
		n++
	}
	if err := rows.Err(); err != nil {
		return 0, err
	}
	if err := sw.Flush(); err != nil {
		return 0, err
	}
	return n, x.SaveAs(path)
}
