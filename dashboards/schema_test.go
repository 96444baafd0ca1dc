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
	if _, err := Generate(dir, testCatalog(), Options{Schema: `County-2024 "Serving"`}); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(dir, "dashboards", PlanUID("zero_waste")+".json"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(b), `\"`, `"`)
	if n := strings.Count(s, `"County-2024 ""Serving"""."mart_`); n < 8 {
		t.Errorf("%d panel queries name the quoted schema:\n%s", n, s)
	}
	if strings.Contains(s, `County-2024 "Serving".`) {
		t.Error("a query names the schema unquoted")
	}
}
