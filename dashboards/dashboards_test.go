package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestGenerateDashboardAndProvisioning(t *testing.T) {
	dir := t.TempDir()
	plans := []Plan{{ID: "zero_waste", NameZh: "无废城市", NameEn: "Zero-waste city", DocNo: "伊政办发〔2023〕31号", Years: []int{2023, 2024, 2025},
		Series: []Series{{IndicatorID: "zw-18", NameZh: "一般工业固体废物综合利用率", Unit: "%", Targets: map[int]float64{2023: 55, 2024: 56, 2025: 60}}}}}
	files, err := Generate(dir, "waymark", plans)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 3 {
		t.Fatalf("files %v", files)
	}
	b, _ := os.ReadFile(filepath.Join(dir, "dashboards", "waymark-zero_waste.json"))
	var d struct {
		UID        string `json:"uid"`
		Panels     []map[string]any
		Templating struct{ List []map[string]any }
	}
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if d.UID != "waymark-zero_waste" || len(d.Panels) != 5 || len(d.Templating.List) != 1 {
		t.Fatalf("uid %q, %d panels, %d variables", d.UID, len(d.Panels), len(d.Templating.List))
	}
	for _, p := range d.Panels {
		targets, _ := p["targets"].([]any)
		if len(targets) != 1 {
			t.Fatalf("panel %v has %d queries", p["title"], len(targets))
		}
		q := targets[0].(map[string]any)
		ds := q["datasource"].(map[string]any)
		if ds["uid"] != DatasourceUID || ds["type"] != DatasourceType || !strings.Contains(q["rawSql"].(string), `"waymark".`) {
			t.Errorf("panel %v query %v", p["title"], q)
		}
		if p["type"] == "timeseries" && !strings.Contains(q["rawSql"].(string), "AS time") {
			t.Errorf("a time series must name its time column time: %s", q["rawSql"])
		}
	}
	prov, _ := os.ReadFile(filepath.Join(dir, "provisioning", "datasources", "waymark.yaml"))
	// Grafana expands only $NAME and ${NAME} in provisioning: no shell-style defaults.
	if !strings.Contains(string(prov), "uid: waymark-pg") || !strings.Contains(string(prov), "password: ${WAYMARK_PG_PASSWORD}") ||
		strings.Contains(string(prov), ":-") {
		t.Errorf("datasource provisioning:\n%s", prov)
	}
}

func TestQueryValidation(t *testing.T) {
	if _, err := Table("A", "").Build(); err == nil {
		t.Error("an empty query was accepted")
	}
}
