package export

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
)

// rowGroupRows sizes row groups for readers: big enough to compress well
// and to skip by statistics, small enough that pandas or R reading one
// group at a time stays light.
const rowGroupRows = 100_000

// maxScale is the most decimal places a submitted figure keeps.
const maxScale = 6

// column is one exported column: how its values are written, and what
// the dictionary says of it.
type column struct {
	sqltext.ResultColumn
	doc columnDoc
}

func (c column) parquetType() string {
	switch {
	case c.Scale >= 0:
		return fmt.Sprintf("DECIMAL(18,%d)", c.Scale)
	case c.JSON:
		return "STRING (JSON)"
	}
	return map[lake.Type]string{lake.String: "STRING", lake.Int64: "INT64", lake.Float64: "DOUBLE", lake.Date: "DATE",
		lake.Timestamp: "TIMESTAMP(MICROS, UTC)", lake.Bool: "BOOLEAN"}[c.Type]
}

func columnFor(name, dbType string) column {
	c := column{ResultColumn: sqltext.ResultColumnOf(name, dbType)}
	if c.Scale >= 0 {
		// Computed decimals are DOUBLE in an export; figures as submitted
		// get their places from the data (scaleOf, in writeTable).
		c.Type, c.Scale = lake.Float64, -1
	}
	return c
}

// writeTable writes one table: a file, or a file per month partition.
func writeTable(ctx context.Context, db *sql.DB, o Options, sel Selection, t table, docs map[string]modelDoc) (TableManifest, []FileManifest, []column, error) {
	tm := TableManifest{Name: t.name}
	cols, err := describe(ctx, db, t.query)
	if err != nil {
		return tm, nil, nil, err
	}
	// Figures as submitted (the contract's decimal columns) keep their
	// decimal places: DECIMAL with the fewest places that hold every value.
	for i := range cols {
		cols[i].doc = describeColumn(o, t, cols[i].Name, docs)
		if cols[i].doc.contractType == "decimal" && cols[i].Type == lake.Float64 {
			s, err := scaleOf(ctx, db, t.query, cols[i].Name)
			if err != nil {
				return tm, nil, nil, err
			}
			cols[i].Type, cols[i].Scale = lake.Int64, s
		}
	}
	units := map[string]string{}
	for _, c := range cols {
		if c.doc.Unit != "" {
			units[c.Name] = c.doc.Unit
		}
	}
	unitJSON, _ := json.Marshal(units)
	meta := map[string]string{
		"waymark.table":     t.name,
		"waymark.source":    t.source,
		"waymark.export":    sel.Kind + " " + sel.Name,
		"waymark.as_of":     sel.AsOf,
		"waymark.build_id":  sel.BuildID,
		"waymark.time_zone": sel.TimeZone,
		"waymark.units":     string(unitJSON),
	}
	if sel.Cutoff != "" {
		meta["waymark.submitted_before"] = sel.Cutoff
	}
	if sel.AsOf == "" {
		meta["waymark.as_of"] = "latest"
	}
	var files []FileManifest
	write := func(rel, query string, m map[string]string) error {
		fm, err := writeParquet(ctx, db, filepath.Join(o.Dir, rel), query, cols, m)
		if err != nil {
			return err
		}
		fm.Path = filepath.ToSlash(rel)
		files = append(files, fm)
		tm.Files = append(tm.Files, fm.Path)
		tm.Rows += fm.Rows
		return nil
	}
	if t.partition == "" {
		return tm, files, cols, write(t.name+".parquet", t.query+" ORDER BY ALL", meta)
	}
	col := sqltext.Ident(t.partition)
	months, err := sqltext.Strings(ctx, db, fmt.Sprintf("SELECT DISTINCT strftime(date_trunc('month', %s), '%%Y-%%m') AS m FROM (%s) ORDER BY m", col, t.query))
	if err != nil {
		return tm, nil, nil, err
	}
	for _, m := range months {
		pm := map[string]string{"waymark.partition": "month=" + m}
		for k, v := range meta {
			pm[k] = v
		}
		q := fmt.Sprintf("SELECT * FROM (%s) WHERE strftime(date_trunc('month', %s), '%%Y-%%m') = %s ORDER BY ALL", t.query, col, sqltext.String(m))
		if err := write(filepath.Join(t.name, "month="+m, "part-0.parquet"), q, pm); err != nil {
			return tm, nil, nil, err
		}
	}
	if len(months) == 0 {
		// No rows: still one (empty) file, so readers find the schema.
		return tm, files, cols, write(filepath.Join(t.name, "part-0.parquet"), t.query, meta)
	}
	return tm, files, cols, nil
}

func describe(ctx context.Context, db *sql.DB, query string) ([]column, error) {
	rows, err := db.QueryContext(ctx, "SELECT column_name, column_type FROM (DESCRIBE "+query+")")
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cols []column
	for rows.Next() {
		var n, t string
		if err := rows.Scan(&n, &t); err != nil {
			return nil, err
		}
		cols = append(cols, columnFor(n, t))
	}
	return cols, rows.Err()
}

// scaleOf finds the fewest decimal places (at most maxScale) that hold
// every value of a column exactly, as a person typed them.
func scaleOf(ctx context.Context, db *sql.DB, query, col string) (int, error) {
	c := sqltext.Ident(col)
	var cases []string
	for s := 0; s < maxScale; s++ {
		cases = append(cases, fmt.Sprintf("WHEN abs(%s - round(%s, %d)) <= 1e-9 * greatest(1, abs(%s)) THEN %d", c, c, s, c, s))
	}
	var n sql.NullInt64
	q := fmt.Sprintf("SELECT max(CASE WHEN %s IS NULL THEN 0 %s ELSE %d END) FROM (%s)", c, strings.Join(cases, " "), maxScale, query)
	if err := db.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, err
	}
	return int(n.Int64), nil
}

// writeParquet writes the rows of query to path and returns its size and
// checksum.
func writeParquet(ctx context.Context, db *sql.DB, path, query string, cols []column, meta map[string]string) (FileManifest, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return FileManifest{}, err
	}
	f, err := os.Create(path)
	if err != nil {
		return FileManifest{}, err
	}
	defer f.Close()
	rc := make([]sqltext.ResultColumn, len(cols))
	for i, c := range cols {
		rc[i] = c.ResultColumn
	}
	lc, dec := sqltext.ResultSchema(rc)
	h := sha256.New()
	w := lake.NewRowWriterWith(io.MultiWriter(f, h), "schema", lc, lake.WriterOptions{Metadata: meta, Decimals: dec})
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		return FileManifest{}, err
	}
	defer rows.Close()
	err = sqltext.CopyRows(rows, rc, w, func(v any) string { return fmt.Sprint(v) }, func(n int64) error {
		if n%rowGroupRows == 0 {
			return w.EndRowGroup()
		}
		return nil
	})
	if err != nil {
		return FileManifest{}, err
	}
	if err := w.Close(); err != nil {
		return FileManifest{}, err
	}
	if err := f.Close(); err != nil {
		return FileManifest{}, err
	}
	st, err := os.Stat(path)
	if err != nil {
		return FileManifest{}, err
	}
	return FileManifest{Rows: w.Rows(), Bytes: st.Size(), SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

var reSpaces = regexp.MustCompile(`\s+`)
