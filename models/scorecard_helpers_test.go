package models

import (
	"context"
	"database/sql"
	"io/fs"
	"log/slog"
	"strconv"
	"testing"
	"testing/fstest"
	"time"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/pipelines"
)

// shanghai parses a local wall-clock time on the warehouse's calendar.
func shanghai(t *testing.T, s string) time.Time {
	t.Helper()
	loc, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	v, err := time.ParseInLocation("2006-01-02 15:04", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// build fills an in-memory warehouse like buildGiven, with the clock, the
// lake (for manifests) and the SQL tree the test chooses.
type build struct {
	now   time.Time
	lake  string
	sql   fs.FS
	given map[string]string
}

func (b build) run(t *testing.T) (*sql.DB, Result, error) {
	t.Helper()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	if b.lake == "" {
		b.lake = t.TempDir()
	}
	if b.sql == nil {
		b.sql = waymark.SQL("")
	}
	db := memDB(t)
	o := Options{Lake: lake.Lake{Root: b.lake}, Datasets: ds, Seeds: waymark.Seeds(""), SQL: b.sql, Given: b.given, Now: b.now}
	var res Result
	err = Fill(context.Background(), db, o, &res, slog.Default())
	return db, res, err
}

func (b build) db(t *testing.T) *sql.DB {
	t.Helper()
	db, _, err := b.run(t)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

// sqlWith is the real SQL tree with some files replaced or added.
func sqlWith(t *testing.T, files map[string]string) fs.FS {
	t.Helper()
	m := fstest.MapFS{}
	err := fs.WalkDir(waymark.SQL(""), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(waymark.SQL(""), p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for p, s := range files {
		m[p] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

// one returns the single row q selects.
func one(t *testing.T, db *sql.DB, q string, args ...any) map[string]string {
	t.Helper()
	rows := queryMaps(t, db, q, args...)
	if len(rows) != 1 {
		t.Fatalf("%s: %d rows, want 1: %v", q, len(rows), rows)
	}
	return rows[0]
}

func num(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("not a number: %q", s)
	}
	return f
}

func near(a, b float64) bool {
	d := a - b
	return d < 1e-6 && d > -1e-6
}
