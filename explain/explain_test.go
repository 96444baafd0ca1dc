package explain

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"io/fs"
	"log/slog"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/waymark-data/waymark"
	"github.com/waymark-data/waymark/internal/lake"
	"github.com/waymark-data/waymark/internal/warehouse"
	"github.com/waymark-data/waymark/models"
	"github.com/waymark-data/waymark/pipelines"
)

// seedsWith returns the real seeds plus extra files.
func seedsWith(t *testing.T, extra map[string]string) fs.FS {
	t.Helper()
	base := waymark.Seeds("")
	m := fstest.MapFS{}
	err := fs.WalkDir(base, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(base, p)
		m[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for n, s := range extra {
		m[n] = &fstest.MapFile{Data: []byte(s)}
	}
	return m
}

// warehouseWith builds the real models over the given lake rows into an
// in-memory warehouse, and adds quarantined rows.
func warehouseWith(t *testing.T, seeds fs.FS, given map[string]string, quarantine string) (*sql.DB, map[string]*pipelines.Dataset) {
	t.Helper()
	ds, err := pipelines.LoadDatasets(waymark.Pipelines(""))
	if err != nil {
		t.Fatal(err)
	}
	db, err := warehouse.Scratch("Asia/Shanghai")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	o := models.Options{Lake: lake.Lake{Root: t.TempDir()}, Datasets: ds, Seeds: seeds, SQL: waymark.SQL(""), Given: given}
	var res models.Result
	if err := models.Fill(context.Background(), db, o, &res, slog.Default()); err != nil {
		t.Fatal(err)
	}
	if quarantine != "" {
		if _, err := db.Exec(`INSERT INTO lake_quarantine (dataset, department, file, checksum, sheet, "row", "column", value, reason, submitted_at) ` + quarantine); err != nil {
			t.Fatal(err)
		}
	}
	return db, ds
}

const solidWaste = "enterprise_code,enterprise_name,department,period,generated_t,utilised_t,_checksum,_file,_sheet,_row,_submitted_at\n" +
	// January as first sent, then corrected (甲's utilised tonnage), February.
	"91150627MA0N0000X1,甲,旗工信局,2023-01-01,100,50,jan1,旗工信局_2023-01.xlsx,月报,4,2023-02-03 10:00:00+08\n" +
	"91150627MA0N0000X2,乙,旗工信局,2023-01-01,100,60,jan1,旗工信局_2023-01.xlsx,月报,5,2023-02-03 10:00:00+08\n" +
	"91150627MA0N0000X1,甲,旗工信局,2023-01-01,100,70,jan2,旗工信局_2023-01_更正.xlsx,月报,4,2023-02-10 09:30:00+08\n" +
	"91150627MA0N0000X2,乙,旗工信局,2023-01-01,100,60,jan2,旗工信局_2023-01_更正.xlsx,月报,5,2023-02-10 09:30:00+08\n" +
	"91150627MA0N0000X1,甲,旗工信局,2023-02-01,100,80,feb1,旗工信局_2023-02.xlsx,月报,4,2023-03-03 10:00:00+08\n" +
	"91150627MA0N0000X2,乙,旗工信局,2023-02-01,100,90,feb1,旗工信局_2023-02.xlsx,月报,5,2023-03-03 10:00:00+08\n" +
	// A later year: must not show up for 2023.
	"91150627MA0N0000X1,甲,旗工信局,2024-05-01,100,10,may1,旗工信局_2024-05.xlsx,月报,4,2024-06-03 10:00:00+08\n"

const rejectedRows = `VALUES
	('zw_industrial_solid_waste', '旗工信局', '旗工信局_2023-01_更正.xlsx', 'jan2', '月报', 9, 'period+enterprise_code', '2023-01-01|91150627MA0N0000X1', 'duplicate row', TIMESTAMPTZ '2023-02-10 09:30:00+08'),
	('zw_industrial_solid_waste', '旗工信局', '旗工信局_补报.xlsx', 'late', 'Sheet1', 3, '统计月份 (period)', '2023-02', 'a bad month', TIMESTAMPTZ '2023-03-20 09:30:00+08'),
	('zw_industrial_solid_waste', '旗工信局', '旗工信局_补报.xlsx', 'late', 'Sheet1', 4, '统计月份 (period)', '2024-05', 'another month', TIMESTAMPTZ '2023-03-20 09:30:00+08'),
	('indicator_reports', '旗生态环境局', 'x.xlsx', 'jan1', '数据', 2, 'value', 'x', 'another data set', TIMESTAMPTZ '2023-02-03 10:00:00+08')`

func TestExplainComputedIndicator(t *testing.T) {
	db, ds := warehouseWith(t, waymark.Seeds(""), map[string]string{"zw_industrial_solid_waste": solidWaste}, rejectedRows)
	e, err := Explain(context.Background(), Options{DB: db, SQL: waymark.SQL(""), Datasets: ds, Indicator: "zw-18", Period: "2023-02"})
	if err != nil {
		t.Fatal(err)
	}
	// Year to date at February: (70+60+80+90) / 400.
	if e.Year != 2023 || e.Value == nil || e.Value.Actual == nil || *e.Value.Actual != 75 || e.Value.AsOf != "2023-02" || e.Value.Status != "met" {
		t.Fatalf("value %+v year %d", e.Value, e.Year)
	}
	if e.Path.Path != "computed" || e.Path.Model != "int_actuals_zero_waste" || strings.Join(e.Path.Datasets, ",") != "zw_industrial_solid_waste" {
		t.Errorf("path %+v", e.Path)
	}
	var chain []string
	for _, s := range e.Chain {
		chain = append(chain, s.Name)
	}
	if got := strings.Join(chain, " > "); got != "mart_scorecard > int_indicator_actuals > int_actuals_zero_waste > stg_zw_industrial_solid_waste > lake_zw_industrial_solid_waste" {
		t.Errorf("chain %s", got)
	}
	s := e.Sources[0]
	if s.From != "2023-01" || s.To != "2023-02" || s.Current != 4 || s.Replaced != 2 || s.Files != 3 || len(s.Rows) != 4 {
		t.Fatalf("source rows: %+v", s)
	}
	jan := s.Rows[0] // ordered by period, enterprise
	if jan.Values["enterprise_name"] != "甲" || jan.File != "旗工信局_2023-01_更正.xlsx" || jan.Row != 4 || jan.SubmittedBy != "旗工信局" ||
		jan.SubmittedAt != "2023-02-10 01:30:00 +00:00" || len(jan.Revisions) != 1 || jan.Revisions[0].Values["utilised_t"] != 50.0 || jan.Revisions[0].Revision != 2 {
		t.Errorf("甲's January row and its first report: %+v", jan)
	}
	var why []string
	for _, q := range s.Quarantine {
		why = append(why, q.File+":"+q.Value)
	}
	if got := strings.Join(why, " "); got != "旗工信局_2023-01_更正.xlsx:2023-01-01|91150627MA0N0000X1 旗工信局_补报.xlsx:2023-02" {
		t.Errorf("quarantined rows of the periods: %s", got)
	}
	var text, js bytes.Buffer
	if err := e.Text(&text); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"2023 target 55 (>= 55): actual 75 as of 2023-02 -> met", "↳ 2023-01-01", "Quarantine: 2 rejected rows"} {
		if !strings.Contains(text.String(), want) {
			t.Errorf("text lacks %q:\n%s", want, text.String())
		}
	}
	if err := e.JSON(&js); err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(js.Bytes(), &back); err != nil || back["how_computed"].(map[string]any)["model"] != "int_actuals_zero_waste" {
		t.Errorf("json: %v\n%s", err, js.String())
	}
}

// TestExplainFollowsThePathsSeed: a reported indicator whose paths seed
// row names its data set; the month alone feeds a "last" figure, and a
// department's corrected file shows as a revision.
func TestExplainFollowsThePathsSeed(t *testing.T) {
	// zw-02's row of seeds/paths_zero_waste.csv: reported by 旗生态环境局.
	seeds := seedsWith(t, nil)
	reports := "period,department,indicator_id,value,unit,_checksum,_file,_row,_submitted_at\n" +
		"2024-03-01,旗生态环境局,zw-02,21.5,千克/万元,r1,旗生态环境局_2024-03.xlsx,4,2024-04-03 09:00:00+08\n" +
		"2024-03-01,旗生态环境局,zw-02,20.5,千克/万元,r2,旗生态环境局_2024-03_更正.xlsx,4,2024-04-08 09:00:00+08\n" +
		"2024-02-01,旗生态环境局,zw-02,22,千克/万元,r0,旗生态环境局_2024-02.xlsx,4,2024-03-03 09:00:00+08\n" +
		"2024-03-01,旗生态环境局,zw-01,1.5,吨/万元,r2,旗生态环境局_2024-03_更正.xlsx,5,2024-04-08 09:00:00+08\n"
	db, ds := warehouseWith(t, seeds, map[string]string{"indicator_reports": reports}, "")
	e, err := Explain(context.Background(), Options{DB: db, SQL: waymark.SQL(""), Datasets: ds, Indicator: "ZW-02", Period: "2024-03",
		Location: time.FixedZone("CST", 8*3600)})
	if err != nil {
		t.Fatal(err)
	}
	if !e.Path.FromSeed || !strings.Contains(e.Path.Formula, "the lead department's (旗生态环境局) figure") || e.Value == nil || *e.Value.Actual != 20.5 {
		t.Fatalf("path %+v value %+v", e.Path, e.Value)
	}
	s := e.Sources[0]
	if s.Dataset != "indicator_reports" || s.From != "2024-03" || s.Current != 1 || len(s.Rows) != 1 || len(s.Rows[0].Revisions) != 1 ||
		s.Rows[0].Revisions[0].Values["value"] != 21.5 || s.Rows[0].SubmittedAt != "2024-04-08 09:00:00 +08:00" {
		t.Errorf("rows of zw-02 in 2024-03: %+v", s)
	}
	if _, err := Explain(context.Background(), Options{DB: db, SQL: waymark.SQL(""), Datasets: ds, Indicator: "zw-999"}); err == nil {
		t.Error("an unknown indicator explained")
	}
}
