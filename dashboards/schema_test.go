package dashboards

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSchemaIsQuotedAsPublishQuotesIt: a serving schema whose name needs
// quoting (capitals, a dash, a quote) is named in every panel query
// exactly as publish creates it.
func TestSchemaIsQuotedAsPublishQuotesIt(t *testing.T) {
	dir := t.TempDir()
	plans := []Plan{{ID: "zero_waste", NameZh: "无废城市", DocNo: "31号", Years: []int{2023},
		Series: []Series{{IndicatorID: "zw-18", NameZh: "一般工业固体废物综合利用率", Unit: "%"}}}}
	if _, err := Generate(dir, `County-2024 "Serving"`, plans); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "dashboards", "waymark-zero_waste.json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), `\"`, `"`)
	if n := strings.Count(s, `"County-2024 ""Serving"""."mart_`); n != 5 {
		t.Errorf("%d panel queries name the quoted schema, want all 5:\n%s", n, s)
	}
	if strings.Contains(s, `County-2024 "Serving".`) {
		t.Error("a query names the schema unquoted")
	}
}
