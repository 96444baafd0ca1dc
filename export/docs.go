package export

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/pipelines"
)

// modelDoc is the YAML written beside a model (sql/<layer>/<name>.yaml).
type modelDoc struct {
	Name        string `yaml:"name"`
	Description string `yaml:"description"`
	Owner       string `yaml:"owner"`
	Columns     []struct {
		Name        string `yaml:"name"`
		Description string `yaml:"description"`
		Unit        string `yaml:"unit"`
	} `yaml:"columns"`
}

// loadDocs reads every model's YAML; a file that does not parse is left
// out (the build's own YAML checks report it).
func loadDocs(sqlFS fs.FS) map[string]modelDoc {
	out := map[string]modelDoc{}
	fs.WalkDir(sqlFS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || (path.Ext(p) != ".yaml" && path.Ext(p) != ".yml") {
			return nil
		}
		b, err := fs.ReadFile(sqlFS, p)
		if err != nil {
			return nil
		}
		var m modelDoc
		if yaml.Unmarshal(b, &m) == nil {
			if m.Name == "" {
				m.Name = strings.TrimSuffix(path.Base(p), path.Ext(p))
			}
			out[m.Name] = m
		}
		return nil
	})
	return out
}

// columnDoc is what the dictionary says about a column.
type columnDoc struct {
	Unit         string
	Description  string
	contractType string
}

// lineageDocs describe the columns every lake row carries.
var lineageDocs = map[string]string{
	"_source":       "where the row came from: the connector and its source (drop folder, HTTP endpoint, MQTT broker)",
	"_file":         "the submitted file's name (or the MQTT topic / HTTP page)",
	"_checksum":     "SHA-256 of the submitted bytes: the same input is never loaded twice; every revision of a period is one file",
	"_sheet":        "the sheet of the workbook the row was on",
	"_row":          "the row number in the file or sheet (1 = first line), or the message number",
	"_run_id":       "the ingest run that loaded it",
	"_submitted_at": "when the department sent it (instant, UTC; the file's time or the message's)",
	"_ingested_at":  "when Waymark loaded it (instant, UTC)",
	"revision":      "1 = the revision that counts as of the export; 2, 3… earlier submissions it superseded",
	"is_latest":     "true for the revision that counts as of the export (revision = 1)",
}

// commonDocs describe columns that mean the same in every model.
var commonDocs = map[string]string{
	"indicator_id": "the indicator's catalog id (waymark catalog indicators)",
	"plan_id":      "the plan (enterprise_relief 28号, science_literacy 34号, zero_waste 31号, geohazard_2023 33号)",
	"doc_no":       "the source document's number, as printed",
	"period":       "the month the value is for: its first day (Asia/Shanghai)",
	"year":         "the target year",
	"name_zh":      "the indicator as printed in the bulletin",
	"name_en":      "the indicator in English",
	"unit":         "the unit the indicator is measured in, as printed",
	"actual":       "the value for the year as known at that month (year to date, latest level or ratio of year-to-date sums), in the indicator's unit",
	"target_text":  "the target exactly as printed",
	"status":       "met, not_met or not_evaluable, from the one evaluation (sql/macros/target_status.sql)",
}

func describeColumn(o Options, t table, name string, docs map[string]modelDoc) columnDoc {
	var d columnDoc
	if t.dataset != "" {
		if spec, _, ok := o.Datasets[t.dataset].Column(name); ok {
			d.Unit, d.contractType = spec.Unit, spec.Type
			d.Description = strings.TrimSpace(spec.Description)
			if spec.HeaderZh != "" {
				d.Description = strings.TrimSpace(spec.HeaderZh + ". " + d.Description)
			}
			return d
		}
	}
	if m, ok := docs[t.model]; ok {
		for _, c := range m.Columns {
			if c.Name == name {
				d.Unit, d.Description = c.Unit, oneLine(c.Description)
			}
		}
	}
	if d.Description == "" {
		d.Description = lineageDocs[name]
	}
	if d.Description == "" {
		d.Description = commonDocs[name]
	}
	return d
}

func oneLine(s string) string { return strings.TrimSpace(reSpaces.ReplaceAllString(s, " ")) }

// The dictionary (dictionary.json; README.md is written from it).
type dict struct {
	Export     Selection           `json:"export"`
	Tables     []tableDoc          `json:"tables"`
	Indicators []indicatorDoc      `json:"indicators,omitempty"`
	Datasets   []datasetDoc        `json:"source_datasets"`
	Documents  []map[string]string `json:"documents"`
	Notes      map[string]string   `json:"notes"`
}

type tableDoc struct {
	Name         string    `json:"name"`
	Description  string    `json:"description"`
	Source       string    `json:"source"`
	Rows         int64     `json:"rows"`
	Partitioning string    `json:"partitioning,omitempty"`
	Files        []string  `json:"files"`
	Columns      []column  `json:"-"`
	ColumnDocs   []colJSON `json:"columns"`
}

type colJSON struct {
	Name        string `json:"name"`
	Type        string `json:"parquet_type"`
	SQLType     string `json:"duckdb_type"`
	Scale       *int   `json:"decimal_scale,omitempty"`
	Unit        string `json:"unit,omitempty"`
	Description string `json:"description,omitempty"`
}

type indicatorDoc struct {
	ID          string               `json:"indicator_id"`
	Plan        string               `json:"plan_id"`
	DocNo       string               `json:"doc_no"`
	NameZh      string               `json:"name_zh"`
	NameEn      string               `json:"name_en"`
	Unit        string               `json:"unit"`
	Direction   string               `json:"direction"`
	Departments string               `json:"departments"`
	Baseline    string               `json:"baseline,omitempty"`
	Targets     map[string]string    `json:"targets"`
	Path        models.IndicatorPath `json:"how_computed"`
}

type datasetDoc struct {
	Name        string           `json:"name"`
	TitleZh     string           `json:"title_zh"`
	TitleEn     string           `json:"title_en"`
	Plan        string           `json:"plan"`
	Departments []string         `json:"departments"`
	Frequency   string           `json:"frequency"`
	DueDay      int              `json:"due_day,omitempty"`
	Keys        []string         `json:"keys"`
	Supersede   string           `json:"supersede"`
	PartitionBy string           `json:"partition_by,omitempty"`
	Columns     []contractColumn `json:"columns"`
}

// contractColumn is a contract column as the dictionary shows it.
type contractColumn struct {
	Name        string   `json:"name"`
	Type        string   `json:"type"`
	HeaderZh    string   `json:"header_zh,omitempty"`
	Unit        string   `json:"unit,omitempty"`
	Required    bool     `json:"required"`
	Min         *float64 `json:"min,omitempty"`
	Max         *float64 `json:"max,omitempty"`
	Enum        []string `json:"allowed_values,omitempty"`
	PatternHint string   `json:"pattern,omitempty"`
	Ref         string   `json:"must_exist_in,omitempty"`
	Description string   `json:"description,omitempty"`
}

func contractColumns(cs []pipelines.ColumnSpec) []contractColumn {
	out := make([]contractColumn, len(cs))
	for i, c := range cs {
		out[i] = contractColumn{Name: c.Name, Type: c.Type, HeaderZh: c.HeaderZh, Unit: c.Unit, Required: c.Required, Min: c.Min, Max: c.Max,
			Enum: c.Enum, PatternHint: c.PatternHint, Ref: c.Ref, Description: strings.TrimSpace(c.Description)}
	}
	return out
}

func (d dict) json() []byte {
	b, _ := json.MarshalIndent(d, "", "  ")
	return append(b, '\n')
}

func dictionary(ctx context.Context, db *sql.DB, o Options, sel Selection, tables []tableDoc, paths []models.IndicatorPath, upstream []string) (dict, error) {
	d := dict{Export: sel, Notes: map[string]string{
		"timestamps": "TIMESTAMP columns are instants (isAdjustedToUTC=true, microseconds): readers show them in UTC; periods and deadlines are cut in " + sel.TimeZone + ".",
		"decimals":   "Figures as submitted are DECIMAL(18, s) with s the fewest decimal places that hold every value of the column in this export (at most 6); computed values (ratios, year-to-date actuals) are DOUBLE.",
		"as_of":      "as_of empty: everything in the lake at export time. Otherwise only rows submitted before submitted_before (the end of the as-of day), and the supersede rules decide which revision counts as of then.",
		"nulls":      "Every column is nullable: a missing value is kept as NULL, never dropped.",
	}}
	for _, t := range tables {
		for _, c := range t.Columns {
			cj := colJSON{Name: c.Name, Type: c.parquetType(), SQLType: c.DBType, Unit: c.doc.Unit, Description: c.doc.Description}
			if c.Scale >= 0 {
				s := c.Scale
				cj.Scale = &s
			}
			t.ColumnDocs = append(t.ColumnDocs, cj)
		}
		d.Tables = append(d.Tables, t)
	}
	docNos := map[string]bool{}
	for _, p := range paths {
		var id indicatorDoc
		var base sql.NullString
		err := db.QueryRowContext(ctx, `SELECT indicator_id, plan_id, doc_no, name_zh, coalesce(name_en, ''), coalesce(unit, ''), direction,
			coalesce(departments, ''), baseline_text FROM stg_indicators WHERE indicator_id = ?`, p.IndicatorID).
			Scan(&id.ID, &id.Plan, &id.DocNo, &id.NameZh, &id.NameEn, &id.Unit, &id.Direction, &id.Departments, &base)
		if err != nil {
			return d, fmt.Errorf("indicator %s: %w", p.IndicatorID, err)
		}
		id.Baseline = base.String
		id.Path = p
		id.Targets = map[string]string{}
		rows, err := db.QueryContext(ctx, `SELECT CAST(year AS VARCHAR), text FROM stg_targets WHERE indicator_id = ? AND kind = 'target' ORDER BY year`, p.IndicatorID)
		if err != nil {
			return d, err
		}
		for rows.Next() {
			var y, txt string
			if err := rows.Scan(&y, &txt); err != nil {
				rows.Close()
				return d, err
			}
			id.Targets[y] = txt
		}
		rows.Close()
		docNos[id.DocNo] = true
		d.Indicators = append(d.Indicators, id)
	}
	// Source data sets: those exported, those the indicators come from.
	names := map[string]bool{}
	for _, t := range tables {
		if n, ok := strings.CutPrefix(t.Source, "data set "); ok {
			names[n] = true
		}
	}
	for _, p := range paths {
		for _, n := range p.Datasets {
			names[n] = true
		}
	}
	for _, n := range upstream {
		names[n] = true
	}
	for _, n := range slices.Sorted(mapsKeys(names)) {
		ds := o.Datasets[n]
		if ds == nil {
			continue
		}
		d.Datasets = append(d.Datasets, datasetDoc{Name: ds.Name, TitleZh: ds.TitleZh, TitleEn: ds.TitleEn, Plan: ds.Plan,
			Departments: ds.Departments, Frequency: ds.Frequency, DueDay: ds.DueDay, Keys: ds.Keys, Supersede: ds.Supersede,
			PartitionBy: ds.PartitionBy, Columns: contractColumns(ds.Columns)})
		if ds.Plan != "" && ds.Plan != "all" {
			var doc string
			if db.QueryRowContext(ctx, `SELECT doc_no FROM seed_plans WHERE plan_id = ?`, ds.Plan).Scan(&doc) == nil {
				docNos[doc] = true
			}
		}
	}
	if sel.Kind == "plan" {
		var doc string
		if db.QueryRowContext(ctx, `SELECT doc_no FROM seed_plans WHERE plan_id = ?`, sel.Name).Scan(&doc) == nil {
			docNos[doc] = true
		}
	}
	for _, n := range slices.Sorted(mapsKeys(docNos)) {
		var title, titleEn, issued string
		if err := db.QueryRowContext(ctx, `SELECT title_zh, coalesce(title_en, ''), coalesce(issued_date, '') FROM seed_documents WHERE doc_no = ?`, n).
			Scan(&title, &titleEn, &issued); err == nil {
			d.Documents = append(d.Documents, map[string]string{"doc_no": n, "title_zh": title, "title_en": titleEn, "issued_date": issued})
		}
	}
	return d, nil
}

func mapsKeys(m map[string]bool) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// readme is the README.md of an export, written from its dictionary.
func readme(d dict) string {
	var b strings.Builder
	e := d.Export
	asOf := "everything in the lake when exported"
	if e.AsOf != "" {
		asOf = fmt.Sprintf("%s: rows submitted before %s (the end of that day, %s); later submissions and revisions are left out", e.AsOf, e.Cutoff, e.TimeZone)
	}
	fmt.Fprintf(&b, "# Waymark export: %s %s\n\n", e.Kind, e.Name)
	fmt.Fprintf(&b, "- As of: %s\n", asOf)
	if e.From != "" || e.To != "" {
		fmt.Fprintf(&b, "- Periods: %s to %s\n", or(e.From, "the first"), or(e.To, "the last"))
	}
	fmt.Fprintf(&b, "- Build id: `%s` (a digest of the lake inputs kept, the as-of date, the seeds and the models: the same id means the same data)\n", e.BuildID)
	b.WriteString("- Files: Parquet (zstd), listed with row counts and SHA-256 in `manifest.json`; `dictionary.json` holds everything below, for programs.\n\n")
	b.WriteString("Each Parquet file carries key-value metadata: `waymark.table`, `waymark.source`, `waymark.as_of`, `waymark.build_id`, `waymark.time_zone`, `waymark.units` (JSON: column → unit) and, in partitioned tables, `waymark.partition`.\n\n")
	b.WriteString("## Reading it\n\npandas / pyarrow:\n\n```python\nimport pandas as pd, pyarrow.parquet as pq\n")
	for _, t := range d.Tables {
		target := t.Name + ".parquet"
		if t.Partitioning != "" {
			target = t.Name + "/"
		}
		fmt.Fprintf(&b, "%s = pd.read_parquet(%q)\n", ident(t.Name), target)
	}
	if len(d.Tables) > 0 {
		t := d.Tables[0]
		f := t.Name + ".parquet"
		if len(t.Files) > 0 {
			f = t.Files[0]
		}
		fmt.Fprintf(&b, "pq.read_metadata(%q).metadata  # the key-value metadata\n", f)
	}
	b.WriteString("```\n\nR (arrow):\n\n```r\nlibrary(arrow)\n")
	for _, t := range d.Tables {
		if t.Partitioning != "" {
			fmt.Fprintf(&b, "%s <- open_dataset(%q) |> dplyr::collect()  # Hive partitions month=YYYY-MM\n", ident(t.Name), t.Name)
		} else {
			fmt.Fprintf(&b, "%s <- read_parquet(%q)\n", ident(t.Name), t.Name+".parquet")
		}
	}
	b.WriteString("```\n\nTimestamps are instants in UTC (pandas: `datetime64[us, UTC]`; convert with `.dt.tz_convert(\"" + e.TimeZone + "\")`); figures as submitted are decimals with their scale (pyarrow `decimal128(18, s)`, R `arrow` decimal → numeric).\n\n")
	b.WriteString("## Tables\n\n")
	for _, t := range d.Tables {
		fmt.Fprintf(&b, "### %s\n\n%s\n\nSource: %s. Rows: %d.", t.Name, or(t.Description, "—"), t.Source, t.Rows)
		if t.Partitioning != "" {
			fmt.Fprintf(&b, " Partitioned %s.", t.Partitioning)
		}
		b.WriteString("\n\n| column | type | unit | description |\n|---|---|---|---|\n")
		for _, c := range t.ColumnDocs {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", c.Name, c.Type, c.Unit, cellMD(c.Description))
		}
		b.WriteString("\n")
	}
	if len(d.Indicators) > 0 {
		b.WriteString("## Indicators: definitions and formulas\n\n| id | indicator | unit | targets | how computed | formula | data sets | model |\n|---|---|---|---|---|---|---|---|\n")
		for _, i := range d.Indicators {
			var ts []string
			for _, y := range slices.Sorted(func(yield func(string) bool) {
				for k := range i.Targets {
					if !yield(k) {
						return
					}
				}
			}) {
				ts = append(ts, y+": "+i.Targets[y])
			}
			fmt.Fprintf(&b, "| %s | %s (%s) | %s | %s | %s | %s | %s | %s |\n", i.ID, cellMD(i.NameZh), cellMD(i.NameEn), i.Unit,
				cellMD(strings.Join(ts, "; ")), i.Path.Path, cellMD(i.Path.Formula), strings.Join(i.Path.Datasets, ", "), i.Path.Model)
		}
		b.WriteString("\n")
	}
	if len(d.Datasets) > 0 {
		b.WriteString("## Source data sets: their contracts\n\n")
		for _, ds := range d.Datasets {
			fmt.Fprintf(&b, "### %s — %s\n\n%s. Plan: %s. Reported by: %s. Frequency: %s", ds.Name, ds.TitleZh, ds.TitleEn, ds.Plan,
				strings.Join(ds.Departments, "、"), ds.Frequency)
			if ds.DueDay > 0 {
				fmt.Fprintf(&b, ", due before day %d of the next period (%s)", ds.DueDay, e.TimeZone)
			}
			fmt.Fprintf(&b, ". Keys: %s. ", strings.Join(ds.Keys, ", "))
			if ds.Supersede == "submission" {
				b.WriteString("A department's later file for a period supersedes its earlier file for that period whole.\n\n")
			} else {
				b.WriteString("A later row supersedes the earlier row with the same key.\n\n")
			}
			b.WriteString("| column | type | unit | required | allowed | description |\n|---|---|---|---|---|---|\n")
			for _, c := range ds.Columns {
				var allowed []string
				if c.Min != nil {
					allowed = append(allowed, fmt.Sprintf("≥ %g", *c.Min))
				}
				if c.Max != nil {
					allowed = append(allowed, fmt.Sprintf("≤ %g", *c.Max))
				}
				if len(c.Enum) > 0 {
					allowed = append(allowed, "one of "+strings.Join(c.Enum, ", "))
				}
				if c.PatternHint != "" {
					allowed = append(allowed, c.PatternHint)
				}
				if c.Ref != "" {
					allowed = append(allowed, "in "+c.Ref)
				}
				req := ""
				if c.Required {
					req = "yes"
				}
				fmt.Fprintf(&b, "| %s (%s) | %s | %s | %s | %s | %s |\n", c.Name, c.HeaderZh, c.Type, c.Unit, req, cellMD(strings.Join(allowed, "; ")), cellMD(c.Description))
			}
			b.WriteString("\n")
		}
	}
	if len(d.Documents) > 0 {
		b.WriteString("## Source documents\n\n")
		for _, doc := range d.Documents {
			fmt.Fprintf(&b, "- %s %s (%s), issued %s\n", doc["doc_no"], doc["title_zh"], doc["title_en"], doc["issued_date"])
		}
		b.WriteString("\n")
	}
	b.WriteString("## Notes\n\n")
	for _, k := range []string{"as_of", "timestamps", "decimals", "nulls"} {
		fmt.Fprintf(&b, "- %s: %s\n", k, d.Notes[k])
	}
	return b.String()
}

func or(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func ident(s string) string { return strings.ReplaceAll(s, "-", "_") }

func cellMD(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(oneLine(s), "|", "\\|"), "\n", " ")
}
