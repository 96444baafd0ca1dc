package pipelines

import (
	"strings"
	"testing"
	"time"

	"github.com/waymark-data/waymark/connectors"
)

// FuzzHeaderFinder feeds fuzzed rows (lines of comma-separated cells) to
// the validator of every data set: no panic; a file without a header gets
// exactly one problem saying so in both languages; once a header is found
// every required column has a cell; every value that passes is valid text.
func FuzzHeaderFinder(f *testing.F) {
	for _, s := range []string{
		"统计月份,填报单位,统一社会信用代码,企业名称,产生量（吨）,综合利用量（吨）\n2023-05,旗工信局,91150627MA0N1A2B3X,甲,1,1",
		"月报\n所属期,报送单位,信用代码号,企业名称,产生量,综合利用\n2023-05,旗工信局,x,甲,1,1",
		"station,sensor,channel,time,value,unit\nGH-001,GH-001-RG,rainfall_mm,2023-05-01 00:00:00,1.5,mm",
		"", ",,,\n\n", "注：\n统计月份", "序号,填报日期,备注\n1,2,3",
	} {
		f.Add(s, true)
		f.Add(s, false)
	}
	ds, refs := contracts(f)
	now := time.Date(2024, 1, 10, 0, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string, rect bool) {
		lines := strings.Split(body, "\n")
		if len(lines) > 200 {
			lines = lines[:200]
		}
		for _, d := range ds {
			v := NewValidator(d, refs, shanghai, now)
			if rect {
				v.Rectangular()
			}
			for i, l := range lines {
				vals, _ := v.Row(connectors.Row{Number: i + 1, Cells: strings.Split(l, ",")})
				for j, val := range vals {
					if err := checkCell(val.S); err != nil && !val.Null {
						t.Fatalf("%s column %s: stored %q: %v", d.Name, d.Columns[j].Name, val.S, err)
					}
				}
			}
			probs := v.Finish()
			if !v.headerSeen {
				if len(probs) != 1 || probs[0].Reason == "" || probs[0].ReasonZh == "" {
					t.Fatalf("%s: no header, problems %+v", d.Name, probs)
				}
				continue
			}
			for i, c := range d.Columns {
				if c.Required && v.idx[i] < 0 {
					t.Fatalf("%s: header accepted without %s", d.Name, c.Name)
				}
			}
		}
	})
}
