package analyst

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
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
	if !slices.Contains(OutFormats, ext) {
		return 0, fmt.Errorf("--out %s: want a file ending in %s", path, strings.Join(OutFormats, ", "))
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
	cols := make([]sqltext.ResultColumn, len(types))
	for i, t := range types {
		cols[i] = sqltext.ResultColumnOf(t.Name(), t.DatabaseTypeName())
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
	if err == nil {
		// Files written for users are readable by their other tools, as
		// lake files are; excelize would leave 0755, os.Create the umask's.
		err = os.Chmod(tmp, lake.FileMode)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return 0, outError(path, err)
	}
	return n, nil
}

// outError names the file the user asked for, not the temp name it was
// being written under (r.tmp.csv for r.csv), which nobody asked for.
func outError(path string, err error) error {
	var pe *fs.PathError
	var le *os.LinkError
	switch {
	case errors.As(err, &pe):
		err = pe.Err
	case errors.As(err, &le):
		err = le.Err
	}
	return fmt.Errorf("--out %s: %w", path, err)
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

func writeParquet(rows *sql.Rows, cols []sqltext.ResultColumn, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	lc, dec := sqltext.ResultSchema(cols)
	w := lake.NewRowWriterWith(f, "result", lc, lake.WriterOptions{Decimals: dec})
	if err := sqltext.CopyRows(rows, cols, w, Cell, nil); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return w.Rows(), f.Close()
}

func writeCSV(rows *sql.Rows, cols []sqltext.ResultColumn, path string) (int64, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	w := csv.NewWriter(f)
	head := make([]string, len(cols))
	for i, c := range cols {
		head[i] = c.Name
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
			if t, ok := v.(time.Time); ok && cols[i].Type == lake.Timestamp {
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

func writeXLSX(rows *sql.Rows, cols []sqltext.ResultColumn, path string) (int64, error) {
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
		head[i] = excelize.Cell{StyleID: bold, Value: c.Name}
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
			case c.Type == lake.Date:
				out[i] = excelize.Cell{StyleID: dateStyle, Value: v}
			case c.Type == lake.Timestamp:
				// Excel has no zones: write the wall time of the warehouse's zone.
				t := v.(time.Time)
				out[i] = excelize.Cell{StyleID: tsStyle, Value: time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)}
			case c.Type == lake.Int64 || c.Type == lake.Float64:
				f, _ := sqltext.Float(v)
				out[i] = f
			case c.Type == lake.Bool:
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
