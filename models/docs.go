package models

import (
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/waymark-data/waymark/internal/sqltext"
)

// Doc is the YAML beside a model (sql/<layer>/<name>.yaml), dbt-like:
//
//	name: int_actuals_enterprise_relief
//	description: >
//	  What it is, the formula, the source document.
//	owner: waymark models
//	columns:
//	  - name: indicator_id
//	    description: ...
//	    unit: "%"
//	    tests: [not_null, {relationships: {to: stg_indicators, field: indicator_id}}]
//	tests:
//	  - unique_combination: {columns: [indicator_id, year, period]}
//	  - row_count: {min: 1, severity: warn}
//
// Unknown keys are errors (a misspelt test would otherwise never run);
// `meta` takes anything, for notes a tool of one's own may read.
type Doc struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Owner       string         `yaml:"owner"`
	Columns     []ColumnDoc    `yaml:"columns"`
	Tests       []TestSpec     `yaml:"tests"`
	Meta        map[string]any `yaml:"meta"`
	// Path is the YAML file, relative to the SQL root.
	Path string `yaml:"-"`
}

// ColumnDoc documents one column of a model and its tests.
type ColumnDoc struct {
	Name        string         `yaml:"name"`
	Description string         `yaml:"description"`
	Unit        string         `yaml:"unit"`
	Tests       []TestSpec     `yaml:"tests"`
	Meta        map[string]any `yaml:"meta"`
}

// Test kinds a model's YAML may use. Column tests: not_null, unique,
// accepted_values {values}, relationships {to, field}, range {min, max}.
// Model tests: unique_combination {columns}, row_count {min, max}.
var (
	columnTestKinds = map[string]bool{"not_null": true, "unique": true, "accepted_values": true, "relationships": true, "range": true}
	modelTestKinds  = map[string]bool{"unique_combination": true, "row_count": true}
)

// Severities: a failing "error" test blocks the build (the previous
// version stays current); a failing "warn" test is reported only.
const (
	SeverityError = "error"
	SeverityWarn  = "warn"
)

// TestSpec is one test as written: `- not_null`, `- not_null: {severity:
// warn}` or `- range: {min: 0, max: 100}`.
type TestSpec struct {
	Kind     string
	Severity string
	Values   []string // accepted_values
	To       string   // relationships
	Field    string   // relationships
	Min, Max *float64 // range, row_count
	Columns  []string // unique_combination
	// Where limits the rows tested (a SQL condition), as dbt's `where`.
	Where string
}

// UnmarshalYAML reads the scalar and the one-key-map forms.
func (t *TestSpec) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		t.Kind = n.Value
		t.Severity = SeverityError
		return nil
	case yaml.MappingNode:
		if len(n.Content) != 2 {
			return fmt.Errorf("line %d: a test is one name, optionally with its settings (`- range: {min: 0}`), not %d keys", n.Line, len(n.Content)/2)
		}
		t.Kind = n.Content[0].Value
		t.Severity = SeverityError
		args := n.Content[1]
		if args.Kind == yaml.ScalarNode && (args.Tag == "!!null" || args.Value == "") {
			return nil
		}
		if args.Kind != yaml.MappingNode {
			return fmt.Errorf("line %d: settings of test %s must be a map", args.Line, t.Kind)
		}
		var raw struct {
			Severity string   `yaml:"severity"`
			Values   []any    `yaml:"values"`
			To       string   `yaml:"to"`
			Field    string   `yaml:"field"`
			Min      *float64 `yaml:"min"`
			Max      *float64 `yaml:"max"`
			Columns  []string `yaml:"columns"`
			Where    string   `yaml:"where"`
			Config   struct {
				Severity string `yaml:"severity"`
				Where    string `yaml:"where"`
			} `yaml:"config"`
		}
		if err := decodeStrict(args, &raw); err != nil {
			return fmt.Errorf("test %s: %w", t.Kind, err)
		}
		t.Severity = firstNonEmpty(raw.Severity, raw.Config.Severity, SeverityError)
		t.Where = firstNonEmpty(raw.Where, raw.Config.Where)
		t.To, t.Field, t.Min, t.Max, t.Columns = raw.To, raw.Field, raw.Min, raw.Max, raw.Columns
		for _, v := range raw.Values {
			t.Values = append(t.Values, yamlText(v))
		}
		return nil
	}
	return fmt.Errorf("line %d: a test is a name or a one-key map", n.Line)
}

func decodeStrict(n *yaml.Node, v any) error {
	b, err := yaml.Marshal(n)
	if err != nil {
		return err
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// yamlText renders an accepted value the way the column compares as text:
// YAML reads `true` and `2023` as a bool and a number.
func yamlText(v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	return fmt.Sprint(v)
}

// loadDocs reads the YAML beside each model. A YAML without its model, a
// name that is not the file's, an unknown test or missing settings are
// errors naming the file.
func loadDocs(fsys fs.FS, models []Model) (map[string]*Doc, error) {
	byName := map[string]Model{}
	for _, m := range models {
		byName[m.Name] = m
	}
	docs := map[string]*Doc{}
	for _, layer := range layers {
		var files []string
		for _, pat := range []string{layer + "/*.yaml", layer + "/*.yml"} {
			f, err := fs.Glob(fsys, pat)
			if err != nil {
				return nil, err
			}
			files = append(files, f...)
		}
		sort.Strings(files)
		for _, f := range files {
			b, err := fs.ReadFile(fsys, f)
			if err != nil {
				return nil, fmt.Errorf("read %s: %w", f, err)
			}
			var d Doc
			dec := yaml.NewDecoder(strings.NewReader(string(b)))
			dec.KnownFields(true)
			if err := dec.Decode(&d); err != nil {
				return nil, fmt.Errorf("sql/%s: %w", f, err)
			}
			d.Path = f
			base := strings.TrimSuffix(strings.TrimSuffix(path.Base(f), ".yaml"), ".yml")
			if d.Name == "" {
				d.Name = base
			}
			if d.Name != base {
				return nil, fmt.Errorf("sql/%s: name %q is not the file's name %q", f, d.Name, base)
			}
			if m, ok := byName[d.Name]; !ok || m.Layer != layer {
				return nil, fmt.Errorf("sql/%s: no model sql/%s/%s.sql beside it", f, layer, d.Name)
			}
			if docs[d.Name] != nil {
				return nil, fmt.Errorf("sql/%s: model %s is documented twice", f, d.Name)
			}
			if err := d.check(); err != nil {
				return nil, fmt.Errorf("sql/%s: %w", f, err)
			}
			docs[d.Name] = &d
		}
	}
	return docs, nil
}

func (d *Doc) check() error {
	seen := map[string]bool{}
	for _, c := range d.Columns {
		if c.Name == "" {
			return fmt.Errorf("a column without a name")
		}
		if seen[c.Name] {
			return fmt.Errorf("column %s is documented twice", c.Name)
		}
		seen[c.Name] = true
		for _, t := range c.Tests {
			if !columnTestKinds[t.Kind] {
				return fmt.Errorf("column %s: unknown column test %q (want not_null, unique, accepted_values, relationships or range%s)",
					c.Name, t.Kind, hintModelLevel(t.Kind))
			}
			if err := t.check(); err != nil {
				return fmt.Errorf("column %s: %w", c.Name, err)
			}
		}
	}
	for _, t := range d.Tests {
		if !modelTestKinds[t.Kind] {
			return fmt.Errorf("unknown model test %q (want unique_combination or row_count; column tests go under the column)", t.Kind)
		}
		if err := t.check(); err != nil {
			return err
		}
	}
	return nil
}

func hintModelLevel(kind string) string {
	if modelTestKinds[kind] {
		return "; " + kind + " is a model test: put it under the model's tests"
	}
	return ""
}

func (t TestSpec) check() error {
	if t.Severity != SeverityError && t.Severity != SeverityWarn {
		return fmt.Errorf("test %s: severity %q: want error or warn", t.Kind, t.Severity)
	}
	switch t.Kind {
	case "accepted_values":
		if len(t.Values) == 0 {
			return fmt.Errorf("test accepted_values needs values: [..]")
		}
	case "relationships":
		if t.To == "" || t.Field == "" {
			return fmt.Errorf("test relationships needs to: <model> and field: <column>")
		}
	case "range":
		if t.Min == nil && t.Max == nil {
			return fmt.Errorf("test range needs min, max or both")
		}
	case "row_count":
		if t.Min == nil && t.Max == nil {
			return fmt.Errorf("test row_count needs min, max or both")
		}
	case "unique_combination":
		if len(t.Columns) == 0 {
			return fmt.Errorf("test unique_combination needs columns: [..]")
		}
	}
	return nil
}

// DataTest is one test the build runs: a query returning the rows that
// break it (none when it passes).
type DataTest struct {
	// Name is <model>.<column>.<kind>, <model>.<kind>, or the file name of
	// a singular test in sql/tests/.
	Name     string
	Model    string
	Column   string
	Kind     string // a YAML kind, or "singular" for sql/tests/*.sql
	Severity string
	// File is where the test is written, relative to the SQL root.
	File string
	SQL  string
}

// yamlTests turns every model's YAML tests into queries, models in build
// order, columns in YAML order.
func yamlTests(models []Model, docs map[string]*Doc) []DataTest {
	var out []DataTest
	for _, m := range models {
		d := docs[m.Name]
		if d == nil {
			continue
		}
		used := map[string]int{}
		add := func(column string, t TestSpec) {
			name := m.Name + "." + t.Kind
			if column != "" {
				name = m.Name + "." + column + "." + t.Kind
			}
			used[name]++
			if used[name] > 1 {
				name += "_" + strconv.Itoa(used[name])
			}
			out = append(out, DataTest{Name: name, Model: m.Name, Column: column, Kind: t.Kind, Severity: t.Severity,
				File: d.Path, SQL: t.sql(m.Name, column)})
		}
		for _, c := range d.Columns {
			for _, t := range c.Tests {
				add(c.Name, t)
			}
		}
		for _, t := range d.Tests {
			add("", t)
		}
	}
	return out
}

// sql is the query that returns the rows breaking the test.
func (t TestSpec) sql(model, column string) string {
	tbl, col := sqltext.Ident(model), sqltext.Ident(column)
	where := "true"
	if t.Where != "" {
		where = "(" + t.Where + ")"
	}
	num := func(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
	switch t.Kind {
	case "not_null":
		return fmt.Sprintf("SELECT * FROM %s WHERE %s AND %s IS NULL", tbl, where, col)
	case "unique":
		return fmt.Sprintf("SELECT %s, count(*) AS n FROM %s WHERE %s AND %s IS NOT NULL GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC",
			col, tbl, where, col)
	case "accepted_values":
		// Values are written as text in YAML; a numeric value also matches
		// numerically, so [0, 1] accepts a DOUBLE 0.0 (which reads '0.0').
		vals := make([]string, len(t.Values))
		var nums []string
		for i, v := range t.Values {
			vals[i] = sqltext.String(v)
			if f, err := strconv.ParseFloat(v, 64); err == nil {
				nums = append(nums, num(f))
			}
		}
		accepted := fmt.Sprintf("CAST(%s AS VARCHAR) IN (%s)", col, strings.Join(vals, ", "))
		if len(nums) > 0 {
			accepted += fmt.Sprintf(" OR TRY_CAST(%s AS DOUBLE) IN (%s)", col, strings.Join(nums, ", "))
		}
		return fmt.Sprintf("SELECT %s, count(*) AS n FROM %s WHERE %s AND %s IS NOT NULL AND NOT (%s) GROUP BY ALL ORDER BY n DESC",
			col, tbl, where, col, accepted)
	case "relationships":
		return fmt.Sprintf("SELECT c.%s, count(*) AS n FROM %s c WHERE %s AND c.%s IS NOT NULL AND c.%s NOT IN (SELECT p.%s FROM %s p WHERE p.%s IS NOT NULL) GROUP BY ALL ORDER BY n DESC",
			col, tbl, where, col, col, sqltext.Ident(t.Field), sqltext.Ident(t.To), sqltext.Ident(t.Field))
	case "range":
		var conds []string
		if t.Min != nil {
			conds = append(conds, fmt.Sprintf("%s < %s", col, num(*t.Min)))
		}
		if t.Max != nil {
			conds = append(conds, fmt.Sprintf("%s > %s", col, num(*t.Max)))
		}
		return fmt.Sprintf("SELECT * FROM %s WHERE %s AND (%s)", tbl, where, strings.Join(conds, " OR "))
	case "unique_combination":
		cols := make([]string, len(t.Columns))
		for i, c := range t.Columns {
			cols[i] = sqltext.Ident(c)
		}
		return fmt.Sprintf("SELECT %s, count(*) AS n FROM %s WHERE %s GROUP BY ALL HAVING count(*) > 1 ORDER BY n DESC",
			strings.Join(cols, ", "), tbl, where)
	case "row_count":
		var conds []string
		if t.Min != nil {
			conds = append(conds, fmt.Sprintf("count(*) < %s", num(*t.Min)))
		}
		if t.Max != nil {
			conds = append(conds, fmt.Sprintf("count(*) > %s", num(*t.Max)))
		}
		return fmt.Sprintf("SELECT count(*) AS row_count FROM %s WHERE %s HAVING %s", tbl, where, strings.Join(conds, " OR "))
	}
	return ""
}
