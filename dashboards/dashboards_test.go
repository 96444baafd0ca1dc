package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testCatalog() Catalog {
	return Catalog{
		Plans: []Plan{{ID: "zero_waste", NameZh: "无废城市", NameEn: "Zero-waste city", DocNo: "伊政办发〔2023〕31号", Years: []int{2023, 2024, 2025},
			Series: []Series{{IndicatorID: "zw-18", NameZh: "一般工业固体废物综合利用率", Unit: "%", Targets: map[int]float64{2023: 55, 2024: 56, 2025: 60}}}},
			{ID: "enterprise_relief", NameZh: "助企纾困", DocNo: "28号", Years: []int{2023}}},
		Departments: []string{"旗工信局", "旗自然资源局"},
		Year:        2023,
		From:        time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
		HazardFrom: time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC), HazardTo: time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC),
	}
}

func readAll(t *testing.T, files []string) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, f := range files {
		if filepath.Ext(f) == ".json" {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			out[filepath.Base(f)] = b
		}
	}
	return out
}

// TestGenerateSixKindsReadableAndLinted: overview, a dashboard per plan,
// indicator detail, one per department, hazard and health are written
// 0644 in 0755 folders, pass the lint, and the provider names the folder.
func TestGenerateSixKindsReadableAndLinted(t *testing.T) {
	dir := t.TempDir()
	files, err := Generate(dir, testCatalog(), Options{Schema: "waymark"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{OverviewUID, PlanUID("zero_waste"), PlanUID("enterprise_relief"), IndicatorUID,
		DepartmentUID("旗工信局"), DepartmentUID("旗自然资源局"), HazardUID, HealthUID}
	if len(files) != len(want)+2 {
		t.Fatalf("files %v", files)
	}
	for _, uid := range want {
		st, err := os.Stat(filepath.Join(dir, "dashboards", uid+".json"))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode().Perm() != 0o644 {
			t.Errorf("%s mode %v, want 0644", uid, st.Mode().Perm())
		}
	}
	for _, d := range []string{"dashboards", "provisioning", "provisioning/dashboards", "provisioning/datasources"} {
		st, err := os.Stat(filepath.Join(dir, d))
		if err != nil || st.Mode().Perm() != 0o755 {
			t.Errorf("%s: %v %v, want a 0755 folder", d, st.Mode(), err)
		}
	}
	if problems := Lint(readAll(t, files)); len(problems) > 0 {
		t.Errorf("lint:\n%s", strings.Join(problems, "\n"))
	}
	prov, _ := os.ReadFile(filepath.Join(dir, "provisioning", "datasources", "waymark.yaml"))
	// Grafana expands only $NAME and ${NAME} in provisioning: no shell-style defaults.
	if !strings.Contains(string(prov), "uid: waymark-pg") || !strings.Contains(string(prov), "password: ${WAYMARK_PG_PASSWORD}") ||
		strings.Contains(string(prov), ":-") {
		t.Errorf("datasource provisioning:\n%s", prov)
	}
	abs, _ := filepath.Abs(filepath.Join(dir, "dashboards"))
	if dp, _ := os.ReadFile(filepath.Join(dir, "provisioning", "dashboards", "waymark.yaml")); !strings.Contains(string(dp), `path: "`+abs+`"`) {
		t.Errorf("provider without the default path:\n%s", dp)
	}
	// A Grafana elsewhere: the provider names the folder as it sees it.
	if _, err := Generate(dir, testCatalog(), Options{Schema: "waymark", ProviderPath: "/var/lib/grafana/dashboards/waymark"}); err != nil {
		t.Fatal(err)
	}
	if dp, _ := os.ReadFile(filepath.Join(dir, "provisioning", "dashboards", "waymark.yaml")); !strings.Contains(string(dp), `path: "/var/lib/grafana/dashboards/waymark"`) {
		t.Errorf("provider path not configurable:\n%s", dp)
	}
}

// TestLintCatchesProblems: a panel without a description or unit, a link
// to a dashboard not generated, and a query on another data source fail.
func TestLintCatchesProblems(t *testing.T) {
	dir := t.TempDir()
	files, err := Generate(dir, testCatalog(), Options{Schema: "waymark"})
	if err != nil {
		t.Fatal(err)
	}
	all := readAll(t, files)
	var d map[string]any
	json.Unmarshal(all[HealthUID+".json"], &d)
	p := d["panels"].([]any)[1].(map[string]any)
	p["description"] = ""
	delete(p["fieldConfig"].(map[string]any)["defaults"].(map[string]any), "unit")
	p["links"] = []any{map[string]any{"title": "x", "url": "/d/nowhere", "type": "link", "icon": "", "tooltip": "", "tags": []any{}, "asDropdown": false, "targetBlank": false, "includeVars": false, "keepTime": false}}
	p["targets"].([]any)[0].(map[string]any)["datasource"].(map[string]any)["uid"] = "other"
	all[HealthUID+".json"], _ = json.Marshal(d)
	got := strings.Join(Lint(all), "\n")
	for _, want := range []string{"no description", "no unit", "links to /d/nowhere", "a query not on waymark-pg"} {
		if !strings.Contains(got, want) {
			t.Errorf("lint did not report %q:\n%s", want, got)
		}
	}
}

func TestQueryValidation(t *testing.T) {
	if _, err := Table("A", "").Build(); err == nil {
		t.Error("an empty query was accepted")
	}
}
