package pipelines

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// Codes published by the companies themselves (Alibaba, Baidu, Huawei,
// Tencent) and the standard's own example pass; one character changed fails.
func TestUSCCCheckCharacter(t *testing.T) {
	valid := []string{"91330100716105852F", "91110000802100433B", "914403001922038216", "9144030071526726XG", "91440300708461136T", "91350100M000100Y43"}
	for _, c := range valid {
		if err := checkCreditCode(c); err != nil {
			t.Errorf("%s: %v", c, err)
		}
		if got := WithUSCCCheck(c[:17] + "0"); got != c {
			t.Errorf("WithUSCCCheck(%s…) = %s", c[:17], got)
		}
	}
	for _, c := range []struct{ code, want string }{
		{"91330100716105852G", "last character is G but the first 17 give F"},
		{"91330100716105825F", "fails the GB 32100-2015 check"}, // two digits swapped
		{"911506278890758000", "last character is 0 but the first 17 give W"},
		{"91330100716105852", "has 18 characters; 91330100716105852 has 17"},
		{"9133010071610585IF", `character 17 of 9133010071610585IF ("I")`},
	} {
		err := checkCreditCode(c.code)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want %q", c.code, err, c.want)
		}
		if zhOf(err) == "" {
			t.Errorf("%s: no Chinese reason", c.code)
		}
	}
}

func TestCodesStoredAsNumbers(t *testing.T) {
	cc := ColumnSpec{Kind: "credit_code"}
	code := ColumnSpec{Kind: "code"}
	for _, c := range []struct {
		col  ColumnSpec
		s    string
		want bool // rejected
	}{
		{cc, "9.11506278890758E+17", true}, {cc, "9.11506E+17", true}, {cc, "911506278890758000", true},
		{cc, "91330100716105852F", false}, {code, "1001.0", true}, {code, "1E3", true},
		{code, "GH-001-RG", false}, {code, "1001", false}, {code, "911506278890758000", false},
	} {
		err := checkCode(c.col, c.s)
		if (err != nil) != c.want {
			t.Errorf("%s %q: %v", c.col.Kind, c.s, err)
		}
		if err != nil && !strings.Contains(err.Error(), "store it as text") {
			t.Errorf("%q: %v lacks \"store it as text\"", c.s, err)
		}
	}
}

// Through the ingest: a code typed into a number cell of a sheet, the same
// number as a CSV shows it, and a mistyped code are rejected with reasons
// that say what to do; a valid code is stored exactly as typed.
func TestCreditCodesThroughTheIngest(t *testing.T) {
	r, job, inbox := newRunner(t)
	p := filepath.Join(inbox, "codes.xlsx")
	f := excelize.NewFile()
	f.SetSheetRow("Sheet1", "A1", &[]any{"统计月份", "填报单位", "统一社会信用代码", "企业名称", "产生量（吨）", "综合利用量（吨）"})
	f.SetSheetRow("Sheet1", "A2", &[]any{"2023-05", "旗工信局", nil, "甲", 1, 1})
	f.SetCellDefault("Sheet1", "C2", "9.11506278890758E+17") // a number cell, as Excel stores it
	f.SetSheetRow("Sheet1", "A3", &[]any{"2023-05", "旗工信局", "911506278890758000", "乙", 1, 1})
	f.SetSheetRow("Sheet1", "A4", &[]any{"2023-05", "旗工信局", "91330100716105852G", "丙", 1, 1})
	f.SetSheetRow("Sheet1", "A5", &[]any{"2023-05", "旗工信局", "91330100716105852F", "丁", 1, 1})
	if err := f.SaveAs(p); err != nil {
		t.Fatal(err)
	}
	res, err := r.RunJob(context.Background(), job)
	if err != nil {
		t.Fatal(err)
	}
	if res.RowsAccepted != 1 || res.RowsRejected != 3 {
		t.Fatalf("accepted %d rejected %d, want 1 and 3", res.RowsAccepted, res.RowsRejected)
	}
	got := query[string](t, `SELECT enterprise_code FROM read_parquet(?)`, r.Lake.Glob("zw_industrial_solid_waste"))
	if got != "91330100716105852F" {
		t.Errorf("stored %q", got)
	}
	reasons := query[string](t, `SELECT string_agg("row" || ': ' || reason, ' | ' ORDER BY "row") FROM read_parquet(?)`, filepath.Join(r.Lake.Root, "_quarantine", "*", "*.parquet"))
	for _, want := range []string{"2: 9.11506278890758E+17 is a number in scientific notation", "store it as text", "3: 911506278890758000 looks like a credit code stored as a number", "4: 91330100716105852G fails the GB 32100-2015 check"} {
		if !strings.Contains(reasons, want) {
			t.Errorf("reasons %q lack %q", reasons, want)
		}
	}
}
