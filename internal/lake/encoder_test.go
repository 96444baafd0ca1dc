package lake_test

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parquet-go/parquet-go"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
)

// encoderCols covers every lake type, and the shapes the lake's files
// have: constant lineage, cycling stations, free text past the dictionary
// bound, sparse and dense nulls.
var encoderCols = []lake.Column{
	{Name: "station", Type: lake.String},
	{Name: "lineage", Type: lake.String},
	{Name: "note", Type: lake.String},
	{Name: "n", Type: lake.Int64},
	{Name: "x", Type: lake.Float64},
	{Name: "d", Type: lake.Date},
	{Name: "ts", Type: lake.Timestamp},
	{Name: "ok", Type: lake.Bool},
	{Name: "amount", Type: lake.Int64},
	{Name: "empty", Type: lake.String},
	{Name: "code", Type: lake.String},
	// Runs of one value that a page starts with and that end inside a
	// page, at its end, or not at all (the writer keeps a repeat as a
	// count): numbers, NaN, -0, nulls, strings, dates.
	{Name: "run_n", Type: lake.Int64},
	{Name: "run_x", Type: lake.Float64},
	{Name: "run_s", Type: lake.String},
	{Name: "run_d", Type: lake.Date},
}

// encoderRow is row i of the test file; nil stands for NULL.
// n1 is the last row of the read-back test, where run_d changes.
const n1 = 60_000 - 1

func encoderRow(i int) []any {
	row := make([]any, len(encoderCols))
	row[0] = fmt.Sprintf("GH-%03d", i%68+1)
	if i%5000 == 17 {
		row[0] = nil
	}
	row[1] = strings.Repeat("c", 64)
	if i >= 45_000 {
		row[1] = "第二批"
	}
	if i%3 != 0 {
		// 200 bytes, unique: the dictionary fills after ~5,000 rows.
		row[2] = fmt.Sprintf("%06d 降雨量监测 %s", i, strings.Repeat("x", 180))
	}
	if i%7 != 0 {
		row[3] = int64(i*7919%100_003) - 50_000
	}
	switch i % 11 {
	case 0:
		row[4] = nil
	case 1:
		row[4] = math.NaN()
	case 2:
		row[4] = math.Copysign(0, -1)
	default:
		row[4] = float64(i%997)/10 - 40
	}
	if i%2 == 0 {
		row[5] = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%400-30)
	}
	row[6] = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Minute)
	if i%4 != 3 {
		row[7] = i%3 == 0
	}
	row[8] = int64(i % 100_000)
	// Short and nearly all distinct: the dictionary is dropped after the
	// first page, long before it is full.
	row[10] = fmt.Sprintf("C%06d", i*7%100_003)
	switch {
	case i == 12_345:
		row[11] = int64(6)
	case i < 30_000:
		row[11] = int64(5)
	default:
		row[11] = int64(i / 1000)
	}
	switch {
	case i < 25_000:
		row[12] = math.NaN()
	case i == 35_000:
		row[12] = math.Copysign(0, -1)
	case i < 40_000:
		row[12] = 1.5
	case i%2000 < 1000:
		row[12] = nil
	default:
		row[12] = 2.5
	}
	// Row group 2 (rows 10,001–49,999) has pages 10,001–30,000 and
	// 30,001–49,999: the second is all "z", the group's third string.
	switch {
	case i < 20_000:
		row[13] = "同一"
	case i <= 30_000 && i%3000 < 1500:
		row[13] = nil
	case i <= 30_000:
		row[13] = "b"
	case i < 50_000:
		row[13] = "z"
	default:
		row[13] = []string{"p", "q", "r"}[i%3]
	}
	if i < n1 {
		row[14] = time.Date(2023, 6, 1, 0, 0, 0, 0, time.UTC)
	} else {
		row[14] = time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC)
	}
	return row
}

// writeEncoderFile writes rows [0, n) with row groups ended at the given
// rows, through the lake's writer with metadata and a decimal column.
func writeEncoderFile(t *testing.T, path string, n int, ends map[int]bool) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := lake.NewRowWriterWith(f, "t", encoderCols, lake.WriterOptions{
		Metadata: map[string]string{"waymark.about": "测试", "a": "1"},
		Decimals: map[string]int{"amount": 2},
	})
	for i := 0; i < n; i++ {
		if ends[i] {
			if err := w.EndRowGroup(); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Write(encoderRow(i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// cellText is how the test compares a value, whichever reader gave it.
func cellText(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case float64:
		if x != x {
			return "NaN"
		}
		return fmt.Sprintf("%g", x)
	case time.Time:
		return x.UTC().Format(time.RFC3339)
	default:
		return fmt.Sprint(x)
	}
}

func expectedCells(i int) []string {
	row := encoderRow(i)
	out := make([]string, len(row))
	for k, v := range row {
		switch {
		case v == nil:
			out[k] = "NULL"
		case k == 8:
			out[k] = fmt.Sprintf("%.2f", float64(v.(int64))/100)
		case k == 5 || k == 14:
			out[k] = cellText(v.(time.Time).Truncate(24 * time.Hour))
		default:
			out[k] = cellText(v)
		}
	}
	return out
}

func TestEncoderReadBackByDuckDBAndParquetGo(t *testing.T) {
	const n = n1 + 1
	path := filepath.Join(t.TempDir(), "enc.parquet")
	writeEncoderFile(t, path, n, map[int]bool{10_000: true, 10_001: true, 50_000: true})
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()

	t.Run("types", func(t *testing.T) {
		var got []string
		rows, err := db.Query(`SELECT column_type FROM (DESCRIBE SELECT * FROM read_parquet(?))`, path)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var s string
			rows.Scan(&s)
			got = append(got, s)
		}
		want := "VARCHAR VARCHAR VARCHAR BIGINT DOUBLE DATE TIMESTAMP WITH TIME ZONE BOOLEAN DECIMAL(18,2) VARCHAR VARCHAR BIGINT DOUBLE VARCHAR DATE"
		if strings.Join(got, " ") != want {
			t.Errorf("DuckDB reads types\n%s\nwant\n%s", strings.Join(got, " "), want)
		}
		var kv string
		if err := db.QueryRow(`SELECT string_agg(decode(key) || '=' || decode(value), ',' ORDER BY key) FROM parquet_kv_metadata(?)`, path).Scan(&kv); err != nil {
			t.Fatal(err)
		}
		if kv != "a=1,waymark.about=测试" {
			t.Errorf("key-value metadata %q", kv)
		}
		var createdBy string
		if err := db.QueryRow(`SELECT created_by FROM parquet_file_metadata(?)`, path).Scan(&createdBy); err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`^\S+ version \S+`).MatchString(createdBy) {
			t.Errorf("created_by %q is not in the <app> version <v> form parquet-mr parses", createdBy)
		}
	})

	t.Run("duckdb", func(t *testing.T) {
		rows, err := db.Query(`SELECT * EXCLUDE (file_row_number) REPLACE (amount::VARCHAR AS amount) FROM read_parquet(?, file_row_number = true) ORDER BY file_row_number`, path)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		i := 0
		vals := make([]any, len(encoderCols))
		ptrs := make([]any, len(vals))
		for k := range vals {
			ptrs[k] = &vals[k]
		}
		for rows.Next() {
			if err := rows.Scan(ptrs...); err != nil {
				t.Fatal(err)
			}
			want := expectedCells(i)
			for k, v := range vals {
				got := cellText(v)
				if got != want[k] {
					t.Fatalf("row %d column %s: DuckDB reads %s, want %s", i, encoderCols[k].Name, got, want[k])
				}
			}
			i++
		}
		if err := rows.Err(); err != nil {
			t.Fatal(err)
		}
		if i != n {
			t.Fatalf("DuckDB reads %d rows, want %d", i, n)
		}
	})

	t.Run("parquet-go", func(t *testing.T) {
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		pf, err := parquet.OpenFile(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatal(err)
		}
		if len(pf.RowGroups()) != 4 {
			t.Errorf("%d row groups, want 4", len(pf.RowGroups()))
		}
		r := parquet.NewReader(pf)
		buf := make([]parquet.Row, 500)
		i := 0
		for {
			k, err := r.ReadRows(buf)
			for _, row := range buf[:k] {
				want := expectedCells(i)
				for c, v := range row {
					var got string
					switch {
					case v.IsNull():
						got = "NULL"
					case c == 8:
						got = fmt.Sprintf("%.2f", float64(v.Int64())/100)
					case c == 5 || c == 14:
						got = cellText(time.Unix(int64(v.Int32())*86400, 0))
					case c == 6:
						got = cellText(time.UnixMicro(v.Int64()))
					case c == 4 || c == 12:
						got = cellText(v.Double())
					case c == 7:
						got = cellText(v.Boolean())
					case c == 3 || c == 11:
						got = cellText(v.Int64())
					default:
						got = v.String()
					}
					if got != want[c] {
						t.Fatalf("row %d column %s: parquet-go reads %s, want %s", i, encoderCols[c].Name, got, want[c])
					}
				}
				i++
			}
			if err != nil {
				break
			}
		}
		if i != n {
			t.Fatalf("parquet-go reads %d rows, want %d", i, n)
		}
	})

	t.Run("statistics", func(t *testing.T) {
		// Every chunk's bounds hold its values, and filters that use them
		// to skip row groups count what a full scan counts.
		for _, q := range []string{
			`n > 49990`, `n < -49990`, `x > 59.5`, `x < -39.9`, `x = 0`, `d < DATE '2022-12-15'`, `ts >= TIMESTAMPTZ '2023-02-10 16:00:00+00'`,
			`station = 'GH-068'`, `code >= 'C099990'`, `code = 'C000007'`, `lineage = '第二批'`, `note > '059990'`, `ok`, `NOT ok`, `amount > 599.9`, `empty IS NULL`, `station IS NULL`,
			`run_n = 6`, `run_n > 58`, `run_x > 2`, `run_x = 1.5`, `isnan(run_x)`, `run_s = 'b'`, `run_s = 'z'`, `run_s = '同一'`, `run_s IS NULL`, `run_d > DATE '2023-06-01'`,
		} {
			var pruned, scanned int
			if err := db.QueryRow(`SELECT count(*) FROM read_parquet(?) WHERE `+q, path).Scan(&pruned); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if err := db.QueryRow(`SELECT count(*) FILTER (WHERE `+q+`) FROM (SELECT * FROM read_parquet(?) OFFSET 0)`, path).Scan(&scanned); err != nil {
				t.Fatalf("%s: %v", q, err)
			}
			if pruned != scanned || scanned == 0 && q != "empty IS NULL" {
				t.Errorf("WHERE %s: %d rows with the statistics, %d by a full scan", q, pruned, scanned)
			}
		}
		var nulls, groups int
		if err := db.QueryRow(`SELECT sum(stats_null_count), count(DISTINCT row_group_id) FROM parquet_metadata(?) WHERE path_in_schema = 'station'`, path).Scan(&nulls, &groups); err != nil {
			t.Fatal(err)
		}
		if nulls != 12 || groups != 4 {
			t.Errorf("station: %d nulls in %d row groups, want 12 in 4", nulls, groups)
		}
		var lo, hi float64
		if err := db.QueryRow(`SELECT stats_min_value::DOUBLE, stats_max_value::DOUBLE FROM parquet_metadata(?) WHERE path_in_schema = 'x' AND row_group_id = 0`, path).Scan(&lo, &hi); err != nil {
			t.Fatal(err)
		}
		if lo != -40 || hi != float64(996)/10-40 {
			t.Errorf("x bounds in row group 0: %g..%g, want -40..59.6 (NaN kept out)", lo, hi)
		}
	})
}

func TestEncoderEmptyAndAllNullFiles(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		rows int
	}{{"empty", 0}, {"nulls", 3}} {
		path := filepath.Join(dir, tc.name+".parquet")
		f, _ := os.Create(path)
		w := lake.NewRowWriter(f, "t", encoderCols)
		for i := 0; i < tc.rows; i++ {
			if err := w.Write(make([]any, len(encoderCols))); err != nil {
				t.Fatal(err)
			}
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
		w.Release()
	}
	db, err := warehouse.Scratch("UTC")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n, nonNull int
	if err := db.QueryRow(`SELECT count(*), count(station) + count(n) + count(x) + count(ok) FROM read_parquet(?)`, filepath.Join(dir, "*.parquet")).Scan(&n, &nonNull); err != nil {
		t.Fatal(err)
	}
	if n != 3 || nonNull != 0 {
		t.Errorf("read %d rows, %d non-null values; want 3 rows of nulls", n, nonNull)
	}
}
