package web

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/pipelines"
)

// histRow is one submission of a department for one period: a file sent
// (through the portal or the drop folder), read straight from the lake, so
// it is there the moment the ingest finishes, before any rebuild.
type histRow struct {
	Dataset, TitleZh   string
	Department         string // as the rows name it
	Checksum, File     string
	Source             string
	SubmittedAt        time.Time
	Period             string // YYYY-MM, "" when no row was accepted
	Due                string // YYYY-MM-DD, "" when the data set has no due day
	OnTime             string // 按时 / 逾期 / ""
	Accepted, Problems int64
	Status             string // ok, partial, rejected (the manifest's)
	Version, Versions  int64  // 1 = first sent for that period
	Added, Removed     int64  // rows compared with the previous version (by key)
	Changed            int64
}

// Current reports whether this version is the one that counts now.
func (h histRow) Current() bool { return h.Version == h.Versions }

// StatusZh names the outcome in Chinese.
func (h histRow) StatusZh() string {
	switch h.Status {
	case "ok":
		return "全部接收"
	case "partial":
		return "部分接收"
	case "rejected":
		return "全部退回"
	}
	return h.Status
}

// history lists every submission of d, newest first.
func (s *Server) history(ctx context.Context, d *department) ([]histRow, error) {
	db, err := warehouse.Scratch(s.o.TimeZone)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	var out []histRow
	for _, n := range d.Reports {
		rows, err := s.deptHistory(ctx, db, d, s.o.Datasets[n])
		if err != nil {
			return out, fmt.Errorf("%s: %w", n, err)
		}
		out = append(out, rows...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].SubmittedAt.After(out[j].SubmittedAt) })
	return out, nil
}

// deptHistory is d's part of a data set's history. The history of every
// department is read at once and kept until the data set's inputs change
// (a new manifest), so a page view does not rescan the lake.
func (s *Server) deptHistory(ctx context.Context, db *sql.DB, d *department, ds *pipelines.Dataset) ([]histRow, error) {
	sig, err := s.lakeSignature(ds.Name)
	if err != nil {
		return nil, err
	}
	v, err := s.cached("history/"+ds.Name, sig, func() (any, error) { return s.datasetHistory(ctx, db, ds) })
	if err != nil {
		return nil, err
	}
	var out []histRow
	for _, h := range v.([]histRow) {
		if slices.Contains(d.Names, h.Department) {
			out = append(out, h)
		}
	}
	return out, nil
}

// lakeSignature changes whenever an input of the data set is committed.
func (s *Server) lakeSignature(dataset string) (string, error) {
	ms, err := s.o.Lake.Manifests(dataset)
	if err != nil {
		return "", err
	}
	h := sha256.New()
	for _, m := range ms {
		h.Write([]byte(m.Checksum))
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cached returns the value kept under key while sig is unchanged.
func (s *Server) cached(key, sig string, compute func() (any, error)) (any, error) {
	s.cacheMu.Lock()
	defer s.cacheMu.Unlock()
	if s.cache == nil {
		s.cache = map[string]cacheEntry{}
	}
	if e, ok := s.cache[key]; ok && e.sig == sig {
		return e.v, nil
	}
	v, err := compute()
	if err != nil {
		return nil, err
	}
	s.cache[key] = cacheEntry{sig: sig, v: v}
	return v, nil
}

type cacheEntry struct {
	sig string
	v   any
}

// datasetHistory reads every department's accepted rows and rejected
// cells of one data set. Versions follow the supersede rule of the staging
// models: a department's files for a month in the order they were sent
// (then ingested, then by checksum); what a version changed is counted
// against the previous version by the contract's keys.
func (s *Server) datasetHistory(ctx context.Context, db *sql.DB, ds *pipelines.Dataset) ([]histRow, error) {
	if _, _, ok := ds.Column("department"); !ok || ds.PartitionBy == "" {
		return nil, nil
	}
	manifests, err := s.o.Lake.Manifests(ds.Name)
	if err != nil {
		return nil, err
	}
	in := s.o.Lake.Of(ds.Name, manifests)
	files, quar := in.Data, in.Quarantine
	keep := sqltext.InputsFilter(in)
	byCk := map[string]*lake.Manifest{}
	for _, m := range manifests {
		byCk[m.Checksum] = m
	}
	var out []histRow
	seen := map[string]bool{}
	if len(files) > 0 {
		period := fmt.Sprintf("strftime(date_trunc('month', %s), '%%Y-%%m')", sqltext.Ident(ds.PartitionBy))
		var keys, vals []string
		for _, k := range ds.Keys {
			keys = append(keys, fmt.Sprintf("coalesce(%s::VARCHAR, '∅')", sqltext.Ident(k)))
		}
		for _, c := range ds.Columns {
			vals = append(vals, fmt.Sprintf("coalesce(%s::VARCHAR, '∅')", sqltext.Ident(c.Name)))
		}
		due := "NULL::DATE"
		if ds.Frequency == "monthly" && ds.DueDay > 0 {
			due = fmt.Sprintf("(strptime(period || '-01', '%%Y-%%m-%%d') + INTERVAL 1 MONTH + INTERVAL %d DAY)::DATE", ds.DueDay-1)
		}
		q := fmt.Sprintf(`
WITH r AS (
    SELECT _checksum AS checksum, _file AS file, _source AS source, _submitted_at AS submitted_at, _ingested_at AS ingested_at,
           department AS dept, %s AS period, concat_ws('|', %s) AS k, concat_ws('|', %s) AS v
    FROM read_parquet(%s, union_by_name = true) WHERE %s
), subs AS (
    SELECT checksum, dept, period, any_value(file) AS file, any_value(source) AS source, min(submitted_at) AS submitted_at,
           min(ingested_at) AS ingested_at, count(*) AS accepted
    FROM r GROUP BY checksum, dept, period
), versions AS (
    SELECT *, row_number() OVER w AS version, count(*) OVER (PARTITION BY dept, period) AS versions,
           lag(checksum) OVER w AS prev, %s AS due
    FROM subs WINDOW w AS (PARTITION BY dept, period ORDER BY submitted_at, ingested_at, checksum)
), cur AS (
    SELECT v.checksum, v.dept, v.period, r.k, r.v FROM versions v JOIN r USING (checksum, dept, period) WHERE v.prev IS NOT NULL
), old AS (
    SELECT v.checksum, v.dept, v.period, r.k, r.v FROM versions v JOIN r ON r.checksum = v.prev AND r.dept = v.dept AND r.period = v.period
), diff AS (
    SELECT coalesce(cur.checksum, old.checksum) AS checksum, coalesce(cur.dept, old.dept) AS dept, coalesce(cur.period, old.period) AS period,
           count(*) FILTER (WHERE old.k IS NULL) AS added,
           count(*) FILTER (WHERE cur.k IS NULL) AS removed,
           count(*) FILTER (WHERE cur.k IS NOT NULL AND old.k IS NOT NULL AND cur.v <> old.v) AS changed
    FROM cur FULL JOIN old ON cur.checksum = old.checksum AND cur.dept = old.dept AND cur.period = old.period AND cur.k = old.k
    GROUP BY ALL
)
SELECT v.checksum, v.dept, v.file, v.source, v.submitted_at, v.period, coalesce(strftime(v.due, '%%Y-%%m-%%d'), '') AS due,
       CASE WHEN v.due IS NULL THEN '' WHEN v.submitted_at::DATE < v.due THEN '按时' ELSE '逾期' END AS on_time,
       v.accepted, v.version, v.versions, coalesce(diff.added, 0), coalesce(diff.removed, 0), coalesce(diff.changed, 0)
FROM versions v LEFT JOIN diff USING (checksum, dept, period)`,
			period, strings.Join(keys, ", "), strings.Join(vals, ", "), sqltext.List(files), keep, due)
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			h := histRow{Dataset: ds.Name, TitleZh: ds.TitleZh}
			if err := rows.Scan(&h.Checksum, &h.Department, &h.File, &h.Source, &h.SubmittedAt, &h.Period, &h.Due, &h.OnTime, &h.Accepted,
				&h.Version, &h.Versions, &h.Added, &h.Removed, &h.Changed); err != nil {
				return nil, err
			}
			if m := byCk[h.Checksum]; m != nil {
				h.Status, h.Problems = m.Status, m.Problems
			}
			h.SubmittedAt = h.SubmittedAt.In(s.o.Location)
			seen[h.Checksum+"\x00"+h.Department] = true
			out = append(out, h)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	// Files of which no row was accepted exist only as rejected cells.
	if len(quar) > 0 {
		q := fmt.Sprintf(`SELECT checksum, coalesce(department, ''), any_value(file), any_value(source), min(submitted_at), count(*)
			FROM read_parquet(%s, union_by_name = true) GROUP BY checksum, department`, sqltext.List(quar))
		rows, err := db.QueryContext(ctx, q)
		if err != nil {
			return nil, err
		}
		defer rows.Close()
		for rows.Next() {
			h := histRow{Dataset: ds.Name, TitleZh: ds.TitleZh}
			if err := rows.Scan(&h.Checksum, &h.Department, &h.File, &h.Source, &h.SubmittedAt, &h.Problems); err != nil {
				return nil, err
			}
			if seen[h.Checksum+"\x00"+h.Department] {
				continue
			}
			if m := byCk[h.Checksum]; m != nil {
				h.Status, h.Problems = m.Status, m.Problems
			}
			h.SubmittedAt = h.SubmittedAt.In(s.o.Location)
			out = append(out, h)
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// problemRow is one rejected cell.
type problemRow struct {
	Sheet, Column, Value, ReasonZh, Reason string
	Row                                    int64
}

// submissionView is what the result page shows of one input.
type submissionView struct {
	histRow
	Rows     []histRow // one per period
	RowsRead int64
	Problems []problemRow
	Feedback string // the feedback workbook of the run that read it
	RunID    string
	Ingested string
}

// submissionOf returns the input with checksum sum when it is d's, or nil.
func (s *Server) submissionOf(ctx context.Context, d *department, ds *pipelines.Dataset, sum string) (*submissionView, error) {
	db, err := warehouse.Scratch(s.o.TimeZone)
	if err != nil {
		return nil, err
	}
	defer db.Close()
	all, err := s.deptHistory(ctx, db, d, ds)
	if err != nil {
		return nil, err
	}
	v := &submissionView{}
	for _, h := range all {
		if h.Checksum == sum {
			v.Rows = append(v.Rows, h)
		}
	}
	if len(v.Rows) == 0 {
		return nil, nil
	}
	sort.Slice(v.Rows, func(i, j int) bool { return v.Rows[i].Period < v.Rows[j].Period })
	v.histRow = v.Rows[0]
	for _, h := range v.Rows[1:] {
		v.Accepted += h.Accepted
	}
	m, err := s.o.Lake.ReadManifest(ds.Name, sum)
	if err != nil || m == nil {
		return v, err
	}
	v.RowsRead, v.RunID, v.Status = m.RowsRead, m.RunID, m.Status
	if t, err := time.Parse(time.RFC3339, m.IngestedAt); err == nil {
		v.Ingested = t.In(s.o.Location).Format("2006-01-02 15:04:05")
	}
	v.Accepted = m.Accepted
	if q := s.o.Lake.QuarantinePath(ds.Name, sum[:16]); m.Problems > 0 {
		if _, err := os.Stat(q); err == nil {
			rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT coalesce(sheet, ''), coalesce("row", 0), coalesce("column", ''), coalesce(value, ''),
				coalesce(reason_zh, ''), coalesce(reason, '') FROM read_parquet(%s) ORDER BY sheet, "row", "column"`, sqltext.String(q)))
			if err != nil {
				return nil, err
			}
			defer rows.Close()
			for rows.Next() {
				var p problemRow
				if err := rows.Scan(&p.Sheet, &p.Row, &p.Column, &p.Value, &p.ReasonZh, &p.Reason); err != nil {
					return nil, err
				}
				v.Problems = append(v.Problems, p)
			}
			if err := rows.Err(); err != nil {
				return nil, err
			}
		}
	}
	// The runner names a feedback workbook after its run: <time>_<data set>_<run id>.xlsx.
	for _, f := range s.feedbackFiles(d) {
		if strings.HasSuffix(f, "_"+ds.Name+"_"+m.RunID+".xlsx") {
			v.Feedback = f
		}
	}
	return v, nil
}
