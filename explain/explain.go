// Package explain takes a number on the scorecard back to its origin: the
// indicator's target and value, how it is computed (the paths seed), the
// chain of models from the scorecard down to the lake (lineage found in
// the SQL, as the model runner finds it), the staging rows that fed it
// with their source file, sheet and row (or sensor, topic and message),
// who submitted them and when, their revisions, and the rows of those
// periods left in quarantine. It is driven by data — the paths seed and
// the data-set contracts — not by code per indicator.
package explain

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"slices"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/sqltext"
	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/pipelines"
)

// Options say which value to explain.
type Options struct {
	// DB is the warehouse (the current version, read-only).
	DB       *sql.DB
	SQL      fs.FS
	Datasets map[string]*pipelines.Dataset
	// Indicator is the catalog id (zw-18).
	Indicator string
	// Year is the target year; 0 means the latest year with a value.
	Year int
	// Period (YYYY-MM) is the month the value is as of; empty means the
	// month the scorecard's value is as of.
	Period string
	// MaxRows bounds the rows listed per data set (all are counted).
	MaxRows int
	// Location shows instants in the warehouse's time zone (default UTC).
	Location *time.Location
}

// BadRequestError is an indicator or period that names nothing.
type BadRequestError struct{ Msg string }

func (e BadRequestError) Error() string { return e.Msg }

// Explanation is everything explain shows; --format json prints it.
type Explanation struct {
	Indicator Indicator            `json:"indicator"`
	Year      int                  `json:"year"`
	Period    string               `json:"period,omitempty"`
	Target    *Target              `json:"target,omitempty"`
	Value     *Value               `json:"value,omitempty"`
	Path      models.IndicatorPath `json:"how_computed"`
	Chain     []Step               `json:"model_chain"`
	Sources   []Source             `json:"sources"`
	Grain     []map[string]any     `json:"grain_rows,omitempty"`
}

// Indicator is the catalog row.
type Indicator struct {
	ID          string `json:"indicator_id"`
	NameZh      string `json:"name_zh"`
	NameEn      string `json:"name_en"`
	Unit        string `json:"unit"`
	Plan        string `json:"plan_id"`
	DocNo       string `json:"doc_no"`
	Departments string `json:"departments"`
	Baseline    string `json:"baseline,omitempty"`
}

// Target is the year's target as printed and parsed.
type Target struct {
	Text       string   `json:"text"`
	Comparator string   `json:"comparator"`
	Value      *float64 `json:"value"`
}

// Value is the indicator's value for the year as known at the period.
type Value struct {
	Actual      *float64 `json:"actual"`
	ActualMonth *float64 `json:"actual_month"`
	AsOf        string   `json:"as_of_period"`
	Source      string   `json:"source"`
	Reporters   *int64   `json:"reporters"`
	PrevActual  *float64 `json:"prev_year_actual"`
	Gap         *float64 `json:"gap"`
	Status      string   `json:"status"`
}

// Step is one model (or lake table) of the chain from the scorecard down.
type Step struct {
	Name  string `json:"name"`
	Layer string `json:"layer"`
	Doc   string `json:"doc"`
}

// Source is one data set's rows behind the value.
type Source struct {
	Dataset   string   `json:"dataset"`
	Title     string   `json:"title"`
	Supersede string   `json:"supersede"`
	Filter    string   `json:"filter"`
	From      string   `json:"from"`
	To        string   `json:"to"`
	Current   int64    `json:"rows_current"`
	Replaced  int64    `json:"rows_superseded"`
	Files     int64    `json:"files"`
	Columns   []string `json:"columns"`
	Rows      []Row    `json:"rows"`
	// Dropped are superseded rows whose key the later file no longer has.
	Dropped    []Row        `json:"dropped,omitempty"`
	Truncated  bool         `json:"truncated,omitempty"`
	Quarantine []Quarantine `json:"quarantine"`
}

// Row is one staging row: its values, where it came from and its
// earlier revisions.
type Row struct {
	Values      map[string]any `json:"values"`
	File        string         `json:"file"`
	Sheet       string         `json:"sheet,omitempty"`
	Row         int64          `json:"row"`
	Source      string         `json:"source"`
	Topic       string         `json:"topic,omitempty"`
	SubmittedBy string         `json:"submitted_by"`
	SubmittedAt string         `json:"submitted_at"`
	IngestedAt  string         `json:"ingested_at"`
	Checksum    string         `json:"checksum"`
	RunID       string         `json:"run_id"`
	Revision    int64          `json:"revision"`
	Revisions   []Row          `json:"earlier_revisions,omitempty"`
}

// Quarantine is a rejected row of the same periods.
type Quarantine struct {
	File        string `json:"file"`
	Sheet       string `json:"sheet,omitempty"`
	Row         int64  `json:"row"`
	Column      string `json:"column"`
	Value       string `json:"value"`
	Reason      string `json:"reason"`
	ReasonZh    string `json:"reason_zh,omitempty"`
	SubmittedBy string `json:"submitted_by"`
	SubmittedAt string `json:"submitted_at"`
	Why         string `json:"why_listed"`
}

// Explain gathers the explanation of one indicator's value.
func Explain(ctx context.Context, o Options) (*Explanation, error) {
	db := o.DB
	if o.MaxRows <= 0 {
		o.MaxRows = 200
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	e := &Explanation{}
	var base sql.NullString
	err := db.QueryRowContext(ctx, `SELECT indicator_id, name_zh, coalesce(name_en, ''), coalesce(unit, ''), plan_id, doc_no,
		coalesce(departments, ''), baseline_text FROM stg_indicators WHERE lower(indicator_id) = lower(?)`, o.Indicator).
		Scan(&e.Indicator.ID, &e.Indicator.NameZh, &e.Indicator.NameEn, &e.Indicator.Unit, &e.Indicator.Plan, &e.Indicator.DocNo, &e.Indicator.Departments, &base)
	if err == sql.ErrNoRows {
		return nil, BadRequestError{fmt.Sprintf("no indicator %q (waymark catalog indicators lists them)", o.Indicator)}
	}
	if err != nil {
		return nil, err
	}
	e.Indicator.Baseline = base.String
	id := e.Indicator.ID

	// Which year and month.
	var period *time.Time
	if o.Period != "" {
		p, err := time.Parse("2006-01", o.Period)
		if err != nil {
			return nil, BadRequestError{fmt.Sprintf("--period %q: want YYYY-MM", o.Period)}
		}
		period = &p
		if o.Year == 0 {
			o.Year = p.Year()
		}
	}
	if o.Year == 0 {
		var y sql.NullInt64
		db.QueryRowContext(ctx, `SELECT coalesce(max(year) FILTER (WHERE actual IS NOT NULL), min(year)) FROM mart_scorecard WHERE indicator_id = ?`, id).Scan(&y)
		o.Year = int(y.Int64)
	}
	e.Year = o.Year

	var t Target
	var tv sql.NullFloat64
	if err := db.QueryRowContext(ctx, `SELECT text, comparator, value FROM stg_targets WHERE indicator_id = ? AND kind = 'target' AND year = ?`, id, o.Year).
		Scan(&t.Text, &t.Comparator, &tv); err == nil {
		t.Value = ptrF(tv)
		e.Target = &t
	}

	// The value: the scorecard's, or the one known at --period.
	var v Value
	var actual, month, prev, gap sql.NullFloat64
	var asOf sql.NullTime
	var reporters sql.NullInt64
	var source, status sql.NullString
	q := `SELECT a.actual, a.actual_month, a.period, a.source, a.reporters, s.prev_actual,
			target_gap(a.actual, s.comparator, s.target), target_status(a.actual, s.comparator, s.target, s.prev_actual)
		FROM mart_scorecard s
		LEFT JOIN int_indicator_actuals a ON a.indicator_id = s.indicator_id AND a.year = s.year AND a.period = coalesce(?, s.as_of_period)
		WHERE s.indicator_id = ? AND s.year = ?`
	var pArg any
	if period != nil {
		pArg = *period
	}
	if err := db.QueryRowContext(ctx, q, pArg, id, o.Year).Scan(&actual, &month, &asOf, &source, &reporters, &prev, &gap, &status); err == nil {
		v = Value{Actual: ptrF(actual), ActualMonth: ptrF(month), Source: source.String, PrevActual: ptrF(prev), Gap: ptrF(gap), Status: status.String}
		if reporters.Valid {
			v.Reporters = &reporters.Int64
		}
		if asOf.Valid {
			v.AsOf = asOf.Time.Format("2006-01")
			if period == nil {
				p := asOf.Time
				period = &p
			}
		}
		e.Value = &v
	} else if err != sql.ErrNoRows {
		return nil, err
	}
	if period != nil {
		e.Period = period.Format("2006-01")
	}

	// How it is computed, and the lineage.
	g, err := models.Lineage(o.SQL, lakeTables(o.Datasets))
	if err != nil {
		return nil, err
	}
	ind := map[string][]string{}
	for n, d := range o.Datasets {
		ind[n] = d.Indicators
	}
	if e.Path, err = models.ReadIndicatorPath(ctx, db, g, id, ind); err != nil {
		return nil, err
	}
	e.Chain = chain(g, e.Path, o.Datasets)

	// Rows per source data set.
	agg := e.Path.YearAggregation
	for _, n := range e.Path.Datasets {
		ds := o.Datasets[n]
		if ds == nil {
			continue
		}
		s, err := sourceRows(ctx, db, ds, id, o.Year, period, agg, o.MaxRows, o.Location)
		if err != nil {
			return nil, fmt.Errorf("rows of %s: %w", n, err)
		}
		e.Sources = append(e.Sources, s)
	}
	// Per-period or per-case rows (int_indicator_grain), when it has any.
	if rows, err := db.QueryContext(ctx, `SELECT * FROM int_indicator_grain WHERE indicator_id = ? AND year = ? ORDER BY period, period_key`, id, o.Year); err == nil {
		t, err := sqltext.Collect(rows)
		if err == nil {
			for _, r := range t.Rows {
				m := map[string]any{}
				for i, c := range t.Columns {
					m[c] = r[i]
				}
				e.Grain = append(e.Grain, m)
			}
		}
	}
	return e, nil
}

func ptrF(f sql.NullFloat64) *float64 {
	if !f.Valid {
		return nil
	}
	return &f.Float64
}

func lakeTables(ds map[string]*pipelines.Dataset) []string {
	out := []string{"lake_quarantine", "lake_runs"}
	for n := range ds {
		out = append(out, "lake_"+n)
	}
	slices.Sort(out)
	return out
}

// chain is the lineage from the scorecard to each source data set's lake
// table, through the model the path names when it names one.
func chain(g models.Graph, p models.IndicatorPath, datasets map[string]*pipelines.Dataset) []Step {
	var names []string
	add := func(path []string) {
		for _, n := range path {
			if !slices.Contains(names, n) {
				names = append(names, n)
			}
		}
	}
	top := "mart_scorecard"
	if p.Model != "" {
		if _, ok := g.Node(p.Model); ok {
			if path := g.Path(top, p.Model); path != nil {
				add(path)
			} else {
				add([]string{p.Model}) // the scorecard does not read it (yet)
			}
			top = p.Model
		}
	}
	for _, d := range p.Datasets {
		if path := g.Path(top, "lake_"+d); path != nil {
			add(path)
		}
	}
	if len(names) == 0 {
		add([]string{top})
	}
	var out []Step
	for _, n := range names {
		if node, ok := g.Node(n); ok {
			out = append(out, Step{Name: n, Layer: node.Layer, Doc: firstSentence(node.Doc)})
			continue
		}
		ds := datasets[strings.TrimPrefix(n, "lake_")]
		doc := "lake table"
		if ds != nil {
			doc = "the lake's rows of data set " + ds.Name + " (" + ds.TitleZh + "), every row ever accepted, with lineage"
		}
		out = append(out, Step{Name: n, Layer: "lake", Doc: doc})
	}
	return out
}

func firstSentence(s string) string {
	if i := strings.Index(s, ". "); i > 0 {
		return s[:i+1]
	}
	return s
}

// window is the months of the source rows behind a value for year y as
// known at period p: the year to date for flows and ratios of sums, the
// month itself for levels and running totals ("last").
func window(y int, p *time.Time, agg string) (from, to time.Time) {
	to = time.Date(y, 12, 1, 0, 0, 0, 0, time.UTC)
	if p != nil {
		to = *p
	}
	from = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
	if agg == "last" || agg == "cumulative" {
		from = to
	}
	return from, to
}

var lineageCols = map[string]bool{"_source": true, "_file": true, "_checksum": true, "_sheet": true, "_row": true, "_run_id": true,
	"_submitted_at": true, "_ingested_at": true, "revision": true, "is_latest": true}

func sourceRows(ctx context.Context, db *sql.DB, ds *pipelines.Dataset, id string, year int, period *time.Time, agg string, maxRows int, loc *time.Location) (Source, error) {
	s := Source{Dataset: ds.Name, Title: ds.TitleZh + " / " + ds.TitleEn, Supersede: supersedeText(ds)}
	from, to := window(year, period, agg)
	s.From, s.To = from.Format("2006-01"), to.Format("2006-01")
	var conds []string
	var args []any
	if ds.PartitionBy != "" {
		conds = append(conds, fmt.Sprintf("date_trunc('month', %s) BETWEEN ? AND ?", sqltext.Ident(ds.PartitionBy)))
		args = append(args, from, to)
	}
	if _, _, ok := ds.Column("indicator_id"); ok {
		conds = append(conds, "indicator_id = ?")
		args = append(args, id)
		s.Filter = "indicator_id = " + id + "; "
	}
	s.Filter += fmt.Sprintf("%s from %s to %s (%s)", ds.PartitionBy, s.From, s.To, map[bool]string{true: "the month the value is as of: the figure is a level or a running total", false: "the year to date"}[from.Equal(to)])
	where := ""
	if len(conds) > 0 {
		where = " WHERE " + strings.Join(conds, " AND ")
	}
	stg := "stg_" + ds.Name
	if err := db.QueryRowContext(ctx, fmt.Sprintf(`SELECT count(*) FILTER (WHERE is_latest), count(*) FILTER (WHERE NOT is_latest), count(DISTINCT _checksum) FROM %s%s`, stg, where), args...).
		Scan(&s.Current, &s.Replaced, &s.Files); err != nil {
		return s, err
	}
	keys := ds.Keys
	order := strings.Join(append(quoteAll(keys), "revision"), ", ")
	rows, err := db.QueryContext(ctx, fmt.Sprintf(`SELECT * FROM %s%s ORDER BY %s LIMIT %d`, stg, where, order, maxRows*4), args...)
	if err != nil {
		return s, err
	}
	t, err := sqltext.Collect(rows)
	if err != nil {
		return s, err
	}
	for _, c := range t.Columns {
		if !lineageCols[c] {
			s.Columns = append(s.Columns, c)
		}
	}
	dept := ""
	if _, _, ok := ds.Column("department"); ok {
		dept = "department"
	}
	byKey := map[string]int{}
	var older []Row
	var olderKeys []string
	for _, r := range t.Rows {
		m := map[string]any{}
		for i, c := range t.Columns {
			m[c] = r[i]
		}
		row := Row{Values: map[string]any{}, File: str(m["_file"]), Sheet: str(m["_sheet"]), Row: i64(m["_row"]), Source: str(m["_source"]),
			Checksum: str(m["_checksum"]), RunID: str(m["_run_id"]), SubmittedAt: ts(m["_submitted_at"], loc), IngestedAt: ts(m["_ingested_at"], loc),
			Revision: i64(m["revision"]), Topic: str(m["topic"])}
		for _, c := range s.Columns {
			row.Values[c] = m[c]
		}
		row.SubmittedBy = row.Source
		if dept != "" {
			row.SubmittedBy = str(m[dept])
		}
		k := keyOf(m, keys)
		if m["is_latest"] == true {
			if len(s.Rows) >= maxRows {
				s.Truncated = true
				continue
			}
			byKey[k] = len(s.Rows)
			s.Rows = append(s.Rows, row)
		} else {
			older, olderKeys = append(older, row), append(olderKeys, k)
		}
	}
	for i, r := range older {
		if j, ok := byKey[olderKeys[i]]; ok {
			s.Rows[j].Revisions = append(s.Rows[j].Revisions, r)
		} else if !s.Truncated {
			s.Dropped = append(s.Dropped, r)
		}
	}
	q, err := quarantined(ctx, db, ds, stg, where, args, from, to, loc)
	if err != nil {
		return s, err
	}
	s.Quarantine = q
	return s, nil
}

func supersedeText(ds *pipelines.Dataset) string {
	if ds.Supersede == "submission" {
		return "a department's later file for a month supersedes its earlier file for that month whole (supersede_by_submission)"
	}
	return "a later row supersedes the earlier row with the same " + strings.Join(ds.Keys, ", ") + " (supersede_by_key)"
}

// quarantined lists the rejected rows of the same periods: rows rejected
// from the files that delivered rows of the window (a monthly file is one
// month), and rows whose rejected cell is the period column naming a month
// of the window.
func quarantined(ctx context.Context, db *sql.DB, ds *pipelines.Dataset, stg, where string, args []any, from, to time.Time, loc *time.Location) ([]Quarantine, error) {
	header := ds.PartitionBy
	if c, _, ok := ds.Column(ds.PartitionBy); ok && c.HeaderZh != "" {
		header = c.HeaderZh
	}
	var months []string
	for m := from; !m.After(to); m = m.AddDate(0, 1, 0) {
		months = append(months, m.Format("2006-01"))
	}
	q := fmt.Sprintf(`
		SELECT q.file, coalesce(q.sheet, ''), q."row", coalesce(q."column", ''), coalesce(q.value, ''), q.reason, coalesce(q.reason_zh, ''),
		       coalesce(q.department, q.source, ''), q.submitted_at,
		       CASE WHEN q.checksum IN (SELECT _checksum FROM %s%s) THEN 'rejected from a file that delivered rows of these periods'
		            ELSE 'its period cell names one of these months' END
		FROM lake_quarantine q
		WHERE q.dataset = ? AND (q.checksum IN (SELECT _checksum FROM %s%s)
		   OR ((q."column" = ? OR q."column" LIKE ?) AND list_contains(?::VARCHAR[], left(q.value, 7))))
		ORDER BY q.submitted_at, q.file, q."row"`, stg, where, stg, where)
	all := append(append(append([]any{}, args...), ds.Name), args...)
	all = append(all, ds.PartitionBy, header+" (%", months)
	rows, err := db.QueryContext(ctx, q, all...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Quarantine
	for rows.Next() {
		var r Quarantine
		var at sql.NullTime
		if err := rows.Scan(&r.File, &r.Sheet, &r.Row, &r.Column, &r.Value, &r.Reason, &r.ReasonZh, &r.SubmittedBy, &at, &r.Why); err != nil {
			return nil, err
		}
		r.SubmittedAt = ts(at.Time, loc)
		out = append(out, r)
	}
	return out, rows.Err()
}

func quoteAll(ss []string) []string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = sqltext.Ident(s)
	}
	return out
}

func keyOf(m map[string]any, keys []string) string {
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprint(m[k])
	}
	return strings.Join(parts, "\x00")
}

func str(v any) string {
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

func i64(v any) int64 {
	switch x := v.(type) {
	case int64:
		return x
	case int32:
		return int64(x)
	}
	return 0
}

func ts(v any, zone *time.Location) string {
	t, ok := v.(time.Time)
	if !ok || t.IsZero() {
		return ""
	}
	return t.In(zone).Format("2006-01-02 15:04:05 -07:00")
}
