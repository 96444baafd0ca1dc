package pipelines

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// fillTemplate opens a template as a clerk would and types values into
// the empty cells of the given columns on every pre-filled row.
func fillTemplate(t *testing.T, path string, ds *Dataset, values map[string]any) int {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, _ := f.GetRows(DataSheet)
	n := 0
	for r := 4; r <= len(rows); r++ {
		if len(rows[r-1]) == 0 || rows[r-1][0] == "" {
			continue
		}
		for i, c := range ds.Columns {
			if v, ok := values[c.Name]; ok {
				cell, _ := excelize.CoordinatesToCellName(i+1, r)
				f.SetCellValue(DataSheet, cell, v)
			}
		}
		n++
	}
	if err := f.Save(); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestTemplateRoundTrip(t *testing.T) {
	r, job, inbox := newRunner(t)
	period := time.Date(2023, 11, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		dataset, dept string
		previous      []map[string]string
		values        map[string]any
		wantRows      int
	}{
		{"zw_industrial_solid_waste", "旗工信局", []map[string]string{
			{"enterprise_code": "91150627MA0N1A2B3X", "enterprise_name": "某煤矿"},
			{"enterprise_code": "91150627MA0N2B3C4N", "enterprise_name": "某电厂"},
		}, map[string]any{"generated_t": 1000.5, "utilised_t": 600}, 2},
		{"indicator_reports", "旗住建局", nil, map[string]any{"value": 42}, 0},
		{"zw_project_progress", "旗发改委", nil, map[string]any{"investment_month_wan": 120, "investment_cumulative_wan": 3400, "status": "在建"}, 11},
	}
	for _, c := range cases {
		t.Run(c.dataset, func(t *testing.T) {
			ds := r.Datasets[c.dataset]
			tpl := PlanTemplate(ds, r.Refs, c.dept, period, shanghai, c.previous)
			path := filepath.Join(inbox, c.dataset+".xlsx")
			if err := WriteTemplate(path, tpl, r.Refs); err != nil {
				t.Fatal(err)
			}
			f, _ := excelize.OpenFile(path)
			dvs, _ := f.GetDataValidations(DataSheet)
			f.Close()
			if len(dvs) == 0 {
				t.Error("template has no data validation")
			}
			filled := fillTemplate(t, path, ds, c.values)
			if c.wantRows > 0 && filled != c.wantRows {
				t.Errorf("template pre-filled %d rows, want %d", filled, c.wantRows)
			}
			if filled == 0 {
				t.Fatal("template has no pre-filled rows")
			}
			j := job
			j.Dataset = c.dataset
			j.Department = ""
			res, err := r.RunJob(context.Background(), j)
			if err != nil {
				t.Fatal(err)
			}
			if res.RowsRejected != 0 || res.RowsAccepted != int64(filled) {
				q := query[string](t, `SELECT string_agg("row" || ' ' || "column" || ': ' || reason, '; ') FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", c.dataset, "*.parquet"))
				t.Fatalf("ingest of a filled template: accepted %d rejected %d of %d: %s", res.RowsAccepted, res.RowsRejected, filled, q)
			}
		})
	}
}

func TestTemplateIndicatorRowsCarryUnitsAndTargets(t *testing.T) {
	r, _, inbox := newRunner(t)
	tpl := PlanTemplate(r.Datasets["indicator_reports"], r.Refs, "旗住建局", time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC), shanghai, nil)
	got := map[string]string{}
	for i, row := range tpl.Rows {
		got[row["indicator_id"]] = row["unit"] + " " + tpl.ReferenceRows[i]
	}
	// 旗住建局 answers for 生活垃圾清运量 (zw-14, 万吨, 2024 target 9.9)
	// among others; it does not answer for 旗工信局's indicators.
	if got["zw-14"] != "万吨 9.9" {
		t.Errorf("zw-14 row %q, want unit 万吨 and the 2024 target 9.9", got["zw-14"])
	}
	if _, ok := got["zw-18"]; ok {
		t.Error("旗住建局's template lists 旗工信局's indicator zw-18")
	}
	path := filepath.Join(inbox, "t.xlsx")
	if err := WriteTemplate(path, tpl, r.Refs); err != nil {
		t.Fatal(err)
	}
	f, _ := excelize.OpenFile(path)
	defer f.Close()
	head, _ := f.GetRows(DataSheet)
	if !strings.Contains(strings.Join(head[2], "|"), "2024年目标") {
		t.Errorf("header %q lacks the reference column", head[2])
	}
	if !strings.Contains(head[1][0], "2024年6月5日前") {
		t.Errorf("due date line %q", head[1][0])
	}
}
