package sqltext

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
)

// ResultColumn is a column of a DuckDB query result as a Parquet file
// stores it. An analyst's result file and a statistician's export both
// write through it, so a figure reads the same in either.
type ResultColumn struct {
	Name   string
	DBType string // DuckDB's name of the type, e.g. DECIMAL(18,2)
	Type   lake.Type
	// Scale >= 0 writes a decimal as unscaled INT64 with that many places
	// (Parquet's DECIMAL), so 0.1 stays 0.1 in every reader.
	Scale int
	// JSON writes a LIST, STRUCT or MAP as JSON text.
	JSON bool
}

var reDecimal = regexp.MustCompile(`^DECIMAL\((\d+),\s*(\d+)\)$`)

// ResultColumnOf maps a DuckDB result type to its Parquet form. A DECIMAL
// of up to 18 digits keeps its scale; a wider one, HUGEINT and UBIGINT
// (which INT64 cannot hold) are DOUBLE; nested types are JSON text; any
// other type is text.
func ResultColumnOf(name, dbType string) ResultColumn {
	c := ResultColumn{Name: name, DBType: dbType, Type: lake.String, Scale: -1}
	switch {
	case reDecimal.MatchString(dbType):
		m := reDecimal.FindStringSubmatch(dbType)
		p, _ := strconv.Atoi(m[1])
		s, _ := strconv.Atoi(m[2])
		if p <= 18 {
			c.Type, c.Scale = lake.Int64, s
		} else {
			c.Type = lake.Float64
		}
	case dbType == "TINYINT", dbType == "SMALLINT", dbType == "INTEGER", dbType == "BIGINT",
		dbType == "UTINYINT", dbType == "USMALLINT", dbType == "UINTEGER":
		c.Type = lake.Int64
	case dbType == "DOUBLE", dbType == "FLOAT", dbType == "HUGEINT", dbType == "UBIGINT":
		c.Type = lake.Float64
	case dbType == "DATE":
		c.Type = lake.Date
	case strings.HasPrefix(dbType, "TIMESTAMP"):
		c.Type = lake.Timestamp
	case dbType == "BOOLEAN":
		c.Type = lake.Bool
	case strings.HasSuffix(dbType, "[]"), strings.HasPrefix(dbType, "STRUCT"), strings.HasPrefix(dbType, "MAP"):
		c.JSON = true
	}
	return c
}

// Value converts one value as database/sql scanned it; text renders
// values of a text column that are not text already (an INTERVAL, a UUID).
func (c ResultColumn) Value(v any, text func(any) string) (lake.Value, error) {
	if v == nil {
		return lake.Null(), nil
	}
	if c.JSON {
		b, err := json.Marshal(v)
		if err != nil {
			return lake.Value{}, fmt.Errorf("column %s: %w", c.Name, err)
		}
		return lake.Str(string(b)), nil
	}
	switch c.Type {
	case lake.String:
		switch x := v.(type) {
		case string:
			return lake.Str(x), nil
		case []byte:
			return lake.Str(string(x)), nil
		}
		return lake.Str(text(v)), nil
	case lake.Int64:
		f, ok := Float(v)
		if !ok {
			break
		}
		if c.Scale >= 0 {
			return lake.Int(int64(math.Round(f * math.Pow10(c.Scale)))), nil
		}
		if n, ok := v.(int64); ok {
			return lake.Int(n), nil // exact beyond 2^53, where a float is not
		}
		return lake.Int(int64(f)), nil
	case lake.Float64:
		if f, ok := Float(v); ok {
			return lake.Float(f), nil
		}
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
	}
	return lake.Value{}, fmt.Errorf("column %s (%s): unexpected value %v (%T)", c.Name, c.DBType, v, v)
}

// ResultSchema is the lake schema of cols and the scale of each decimal
// column, as lake.WriterOptions takes them.
func ResultSchema(cols []ResultColumn) ([]lake.Column, map[string]int) {
	lc := make([]lake.Column, len(cols))
	dec := map[string]int{}
	for i, c := range cols {
		lc[i] = lake.Column{Name: c.Name, Type: c.Type}
		if c.Scale >= 0 {
			dec[c.Name] = c.Scale
		}
	}
	return lc, dec
}

// CopyRows writes every row of rows to w, converted by cols (text as in
// Value). After each row, next, when set, is called with the rows written
// so far: a caller ends row groups there.
func CopyRows(rows *sql.Rows, cols []ResultColumn, w *lake.RowWriter, text func(any) string, next func(n int64) error) error {
	vals := make([]any, len(cols))
	ptrs := make([]any, len(cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	row := make([]lake.Value, len(cols))
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, c := range cols {
			var err error
			if row[i], err = c.Value(vals[i], text); err != nil {
				return err
			}
		}
		if err := w.WriteValues(row); err != nil {
			return err
		}
		if next != nil {
			if err := next(w.Rows()); err != nil {
				return err
			}
		}
	}
	return rows.Err()
}
