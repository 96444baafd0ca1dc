// Package pipelines holds the data-set contracts and job specs (YAML beside
// this file, compiled into the binary) and the runner that pulls items
// through a connector, validates every row against its contract, lands the
// raw bytes, writes Parquet, quarantines bad rows and records the run.
package pipelines

import (
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/waymark-data/waymark/internal/lake"
)

// Dataset is a data set's contract: what a valid row is, who reports it
// and when it is due.
type Dataset struct {
	Name        string   `yaml:"name"`
	TitleZh     string   `yaml:"title_zh"`
	TitleEn     string   `yaml:"title_en"`
	Plan        string   `yaml:"plan"`
	Departments []string `yaml:"departments"`
	// Frequency is how often a department reports: monthly, daily, event.
	Frequency string `yaml:"frequency"`
	// DueDay is the day of the following period by which a report is due
	// (5 means "before the 5th of the next month" in Asia/Shanghai).
	DueDay int `yaml:"due_day"`
	// PartitionBy names the month/date column that partitions the lake.
	PartitionBy string `yaml:"partition_by"`
	// PartitionGranularity is "month" or "day"; it defaults to the
	// column's own grain (month columns by month, dates by day).
	PartitionGranularity string `yaml:"partition_granularity"`
	// Supersede says what a later submission replaces: "submission" (a
	// department's later file for a period replaces its earlier file for
	// that period whole) or "key" (a later row replaces the row with the
	// same key). Defaults to "submission" when the data set has a
	// department column and a partition, else "key".
	Supersede string `yaml:"supersede"`
	// Duplicates says what a repeated key within one file is: "reject"
	// (the default: a department typed a row twice) or "keep" (a sensor
	// stream resent a reading; staging keeps the latest by key).
	Duplicates string       `yaml:"duplicates"`
	Keys       []string     `yaml:"keys"`
	Columns    []ColumnSpec `yaml:"columns"`
	// Indicators lists the catalog indicators this data set feeds, so a
	// template can show the target beside the cells.
	Indicators []string `yaml:"indicators"`
}

// ColumnSpec is one column of a contract.
type ColumnSpec struct {
	Name     string `yaml:"name"`
	Type     string `yaml:"type"`
	HeaderZh string `yaml:"header_zh"`
	// Aliases are other headers departments use for the same column.
	Aliases  []string `yaml:"aliases"`
	Unit     string   `yaml:"unit"`
	Required bool     `yaml:"required"`
	Min      *float64 `yaml:"min"`
	Max      *float64 `yaml:"max"`
	Enum     []string `yaml:"enum"`
	// Pattern is a regular expression the whole value must match, and
	// PatternHint says in words what it means, for the error message.
	Pattern     string `yaml:"pattern"`
	PatternHint string `yaml:"pattern_hint"`
	// PatternHintZh says it in Chinese, for the department's feedback.
	PatternHintZh string `yaml:"pattern_hint_zh"`
	// Kind marks identifiers: "code" is read exactly as typed and a number
	// that cannot be the code as typed (9.11506278890758E+17, 1001.0) is
	// rejected; "credit_code" is a code that must also carry a valid
	// GB 32100-2015 check character (统一社会信用代码).
	Kind string `yaml:"kind"`
	// Ref names reference data the value must exist in, as
	// "<seed file without .csv>.<column>", e.g. "hazard_sites.site_id";
	// indicator files are one seed, "indicators".
	Ref string `yaml:"ref"`
	// UnitOf names the column whose referenced seed row gives the unit
	// this column must equal: the unit a department writes must be the
	// unit the indicator is measured in.
	UnitOf string `yaml:"unit_of"`
	// Description is shown in templates and the data dictionary.
	Description string `yaml:"description"`

	typ     lake.Type
	pattern *regexp.Regexp
}

// Header is the column's heading as a sheet writes it: the Chinese header
// (or the name) with the unit, "产生量（吨）"; the validator reads the unit
// back from it.
func (c ColumnSpec) Header() string {
	h := c.HeaderZh
	if h == "" {
		h = c.Name
	}
	if c.Unit != "" {
		h += "（" + c.Unit + "）"
	}
	return h
}

// LakeType is the column's lake type.
func (c ColumnSpec) LakeType() lake.Type { return c.typ }

// Lineage columns end every lake row: where it came from, byte for byte.
// Rows held in memory keep only _sheet and _row per row (heldRows): their
// places here are lineageSheet and lineageRow.
var Lineage = []lake.Column{
	{Name: "_source", Type: lake.String},
	{Name: "_file", Type: lake.String},
	{Name: "_checksum", Type: lake.String},
	{Name: "_sheet", Type: lake.String},
	{Name: "_row", Type: lake.Int64},
	{Name: "_run_id", Type: lake.String},
	{Name: "_submitted_at", Type: lake.Timestamp},
	{Name: "_ingested_at", Type: lake.Timestamp},
}

// LakeColumns is the full lake schema: contract columns, then lineage.
func (d *Dataset) LakeColumns() []lake.Column {
	cols := make([]lake.Column, 0, len(d.Columns)+len(Lineage))
	for _, c := range d.Columns {
		cols = append(cols, lake.Column{Name: c.Name, Type: c.typ})
	}
	return append(cols, Lineage...)
}

// Column returns the spec of the named column.
func (d *Dataset) Column(name string) (ColumnSpec, int, bool) {
	for i, c := range d.Columns {
		if c.Name == name {
			return c, i, true
		}
	}
	return ColumnSpec{}, -1, false
}

func (d *Dataset) check() error {
	if d.Name == "" {
		return fmt.Errorf("name is required")
	}
	if len(d.Columns) == 0 {
		return fmt.Errorf("data set %s: no columns", d.Name)
	}
	seen := map[string]bool{}
	for i := range d.Columns {
		c := &d.Columns[i]
		if c.Name == "" || strings.HasPrefix(c.Name, "_") {
			return fmt.Errorf("data set %s column %d: name %q is empty or reserved (lineage columns start with _)", d.Name, i+1, c.Name)
		}
		if seen[c.Name] {
			return fmt.Errorf("data set %s: column %s declared twice", d.Name, c.Name)
		}
		seen[c.Name] = true
		t, err := lake.ParseType(c.Type)
		if err != nil {
			return fmt.Errorf("data set %s column %s: %w", d.Name, c.Name, err)
		}
		c.typ = t
		if c.Pattern != "" {
			re, err := regexp.Compile("^(?:" + c.Pattern + ")$")
			if err != nil {
				return fmt.Errorf("data set %s column %s: pattern: %w", d.Name, c.Name, err)
			}
			c.pattern = re
		}
		switch c.Kind {
		case "":
		case "code", "credit_code":
			if c.typ != lake.String {
				return fmt.Errorf("data set %s column %s: kind %s needs type string", d.Name, c.Name, c.Kind)
			}
		default:
			return fmt.Errorf("data set %s column %s: kind %q: want code or credit_code", d.Name, c.Name, c.Kind)
		}
		if c.Ref != "" && !strings.Contains(c.Ref, ".") {
			return fmt.Errorf("data set %s column %s: ref %q must be <seed>.<column>", d.Name, c.Name, c.Ref)
		}
	}
	for _, c := range d.Columns {
		if c.UnitOf == "" {
			continue
		}
		if rc, _, ok := d.Column(c.UnitOf); !ok || rc.Ref == "" {
			return fmt.Errorf("data set %s column %s: unit_of %q must name a column with a ref", d.Name, c.Name, c.UnitOf)
		}
	}
	switch d.PartitionGranularity {
	case "", "month", "day":
	default:
		return fmt.Errorf("data set %s: partition_granularity %q: want month or day", d.Name, d.PartitionGranularity)
	}
	if d.Supersede == "" {
		d.Supersede = "key"
		if _, _, ok := d.Column("department"); ok && d.PartitionBy != "" {
			d.Supersede = "submission"
		}
	}
	if d.Duplicates == "" {
		d.Duplicates = "reject"
	}
	if d.Duplicates != "reject" && d.Duplicates != "keep" {
		return fmt.Errorf("data set %s: duplicates %q: want reject or keep", d.Name, d.Duplicates)
	}
	if d.Supersede != "key" && d.Supersede != "submission" {
		return fmt.Errorf("data set %s: supersede %q: want submission or key", d.Name, d.Supersede)
	}
	for _, k := range d.Keys {
		if !seen[k] {
			return fmt.Errorf("data set %s: key %s is not a column", d.Name, k)
		}
	}
	if d.PartitionBy != "" {
		c, _, ok := d.Column(d.PartitionBy)
		if !ok || !c.Required || (c.Type != "month" && c.Type != "date" && c.Type != "timestamp") {
			return fmt.Errorf("data set %s: partition_by %q must name a required month, date or timestamp column", d.Name, d.PartitionBy)
		}
	}
	return nil
}

// Granularity is how the lake partitions the data set: "month", "day",
// or "" when it is not partitioned.
func (d *Dataset) Granularity() string {
	if d.PartitionBy == "" {
		return ""
	}
	if d.PartitionGranularity != "" {
		return d.PartitionGranularity
	}
	if c, _, _ := d.Column(d.PartitionBy); c.Type == "month" {
		return "month"
	}
	return "day"
}

// LoadDatasets reads every datasets/*.yaml in fsys.
func LoadDatasets(fsys fs.FS) (map[string]*Dataset, error) {
	out := map[string]*Dataset{}
	err := loadYAML(fsys, "datasets", func(name string, b []byte) error {
		var d Dataset
		if err := strictUnmarshal(b, &d); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := d.check(); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if _, dup := out[d.Name]; dup {
			return fmt.Errorf("%s: data set %s defined twice", name, d.Name)
		}
		out[d.Name] = &d
		return nil
	})
	return out, err
}

func strictUnmarshal(b []byte, v any) error {
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	dec.KnownFields(true)
	return dec.Decode(v)
}

func loadYAML(fsys fs.FS, dir string, each func(name string, b []byte) error) error {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	names := []string{}
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".yaml") || strings.HasSuffix(e.Name(), ".yml") {
			names = append(names, path.Join(dir, e.Name()))
		}
	}
	sort.Strings(names)
	for _, n := range names {
		b, err := fs.ReadFile(fsys, n)
		if err != nil {
			return fmt.Errorf("read %s: %w", n, err)
		}
		if err := each(n, b); err != nil {
			return err
		}
	}
	return nil
}
