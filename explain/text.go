package explain

import (
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/waymark-data/waymark/analyst"
	"github.com/waymark-data/waymark/internal/sqltext"
)

// JSON writes the explanation for tools.
func (e *Explanation) JSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(e)
}

func num(f *float64) string {
	if f == nil {
		return "—"
	}
	return analyst.Cell(*f)
}

// Text writes the explanation for a person.
func (e *Explanation) Text(w io.Writer) error {
	var b strings.Builder
	i := e.Indicator
	fmt.Fprintf(&b, "%s %s (%s), unit %s\n", i.ID, i.NameZh, i.NameEn, or(i.Unit, "—"))
	fmt.Fprintf(&b, "plan %s, %s; departments %s", i.Plan, i.DocNo, or(i.Departments, "—"))
	if i.Baseline != "" {
		fmt.Fprintf(&b, "; baseline %s", i.Baseline)
	}
	b.WriteString("\n\n")
	target := "no target for this year"
	if e.Target != nil {
		target = fmt.Sprintf("target %s (%s %s)", e.Target.Text, e.Target.Comparator, num(e.Target.Value))
	}
	if v := e.Value; v != nil && v.Actual != nil {
		fmt.Fprintf(&b, "%d %s: actual %s as of %s -> %s", e.Year, target, num(v.Actual), v.AsOf, v.Status)
		if v.Gap != nil {
			fmt.Fprintf(&b, " (gap %+.4g)", *v.Gap)
		}
		fmt.Fprintf(&b, "\n  the month alone: %s; reporters: %s; from %s", num(v.ActualMonth), intOr(v.Reporters), v.Source)
		if v.PrevActual != nil {
			fmt.Fprintf(&b, "; previous year %s", num(v.PrevActual))
		}
		b.WriteString("\n\n")
	} else {
		fmt.Fprintf(&b, "%d %s: no value yet%s\n\n", e.Year, target, map[bool]string{true: " for " + e.Period, false: ""}[e.Period != ""])
	}
	p := e.Path
	src := "the paths seed (seed_indicator_paths)"
	if !p.FromSeed {
		src = "inferred from the warehouse: no paths seed row"
	}
	fmt.Fprintf(&b, "How it is computed (%s):\n  path %s", src, p.Path)
	if p.Formula != "" {
		fmt.Fprintf(&b, ": %s", p.Formula)
	}
	fmt.Fprintf(&b, "\n  data sets %s; grain %s; year aggregation %s; model %s\n", or(strings.Join(p.Datasets, ", "), "—"), or(p.Grain, "—"), or(p.YearAggregation, "—"), or(p.Model, "—"))
	if p.Notes != "" && p.FromSeed {
		fmt.Fprintf(&b, "  notes: %s\n", p.Notes)
	}
	b.WriteString("\nModel chain (lineage found in the SQL, scorecard first):\n")
	for k, s := range e.Chain {
		fmt.Fprintf(&b, "  %s%s [%s] %s\n", strings.Repeat("  ", k), s.Name, s.Layer, s.Doc)
	}
	for _, s := range e.Sources {
		fmt.Fprintf(&b, "\nRows of %s (%s) that fed it: %s\n", s.Dataset, s.Title, s.Filter)
		fmt.Fprintf(&b, "  %d current rows from %d files, %d superseded; %s\n", s.Current, s.Files, s.Replaced, s.Supersede)
		t := sqltext.Table{Columns: append(append([]string{}, s.Columns...), "file", "sheet", "row", "submitted by", "submitted at", "rev")}
		add := func(r Row, mark string) {
			var vals []any
			for k, c := range s.Columns {
				v := r.Values[c]
				if k == 0 && mark != "" {
					v = mark + " " + analyst.Cell(v)
				}
				vals = append(vals, v)
			}
			file := r.File
			if r.Topic != "" {
				file = r.Topic
			}
			t.Rows = append(t.Rows, append(vals, file, r.Sheet, r.Row, r.SubmittedBy, r.SubmittedAt, r.Revision))
		}
		for _, r := range s.Rows {
			add(r, "")
			for _, old := range r.Revisions {
				add(old, "↳")
			}
		}
		for _, r := range s.Dropped {
			add(r, "✗")
		}
		b.WriteString(indent(analyst.Render(t, false)))
		if s.Truncated {
			fmt.Fprintf(&b, "  (the first rows only: --format json or waymark sql on stg_%s for all)\n", s.Dataset)
		}
		b.WriteString("  ↳ an earlier revision of the row above, no longer counted; ✗ a row a later file dropped\n")
		if len(s.Quarantine) == 0 {
			b.WriteString("  Quarantine: no rejected rows of these periods.\n")
			continue
		}
		fmt.Fprintf(&b, "  Quarantine: %d rejected rows of these periods that would have changed it had they been valid:\n", len(s.Quarantine))
		q := sqltext.Table{Columns: []string{"file", "sheet", "row", "column", "value", "reason", "submitted by", "submitted at", "why listed"}}
		for _, r := range s.Quarantine {
			q.Rows = append(q.Rows, []any{r.File, r.Sheet, r.Row, r.Column, r.Value, or(r.ReasonZh, r.Reason), r.SubmittedBy, r.SubmittedAt, r.Why})
		}
		b.WriteString(indent(analyst.Render(q, false)))
	}
	if len(e.Grain) > 0 {
		fmt.Fprintf(&b, "\nPer-period or per-case rows of %d (int_indicator_grain):\n", e.Year)
		g := sqltext.Table{Columns: []string{"grain", "period_key", "period", "actual", "detail"}}
		for _, r := range e.Grain {
			g.Rows = append(g.Rows, []any{r["grain"], r["period_key"], r["period"], r["actual"], r["detail"]})
		}
		b.WriteString(indent(analyst.Render(g, false)))
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return "  " + strings.Join(lines, "\n  ") + "\n"
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func intOr(n *int64) string {
	if n == nil {
		return "—"
	}
	return strconv.FormatInt(*n, 10)
}
