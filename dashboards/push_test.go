package dashboards

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// grafanaStandIn answers as Grafana's HTTP API documents: GET
// /api/folders/:uid (404 when missing), POST /api/folders {uid, title},
// POST /api/dashboards/db {dashboard, folderUid, overwrite}; every request
// must carry the service-account token as a Bearer. It refuses a dashboard
// whose title is "refuse me" as Grafana refuses an invalid one (400).
type grafanaStandIn struct {
	mu         sync.Mutex
	token      string
	folders    map[string]string
	dashboards map[string]map[string]any
	problems   []string
}

func (g *grafanaStandIn) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	fail := func(code int, msg string) {
		w.WriteHeader(code)
		json.NewEncoder(w).Encode(map[string]string{"message": msg})
	}
	if r.Header.Get("Authorization") != "Bearer "+g.token {
		fail(401, "invalid API key")
		return
	}
	switch {
	case r.Method == "GET" && strings.HasPrefix(r.URL.Path, "/api/folders/"):
		uid := strings.TrimPrefix(r.URL.Path, "/api/folders/")
		if _, ok := g.folders[uid]; !ok {
			fail(404, "folder not found")
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"uid": uid, "title": g.folders[uid]})
	case r.Method == "POST" && r.URL.Path == "/api/folders":
		var f struct{ UID, Title string }
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&f) != nil || f.Title == "" {
			fail(400, "bad folder")
			return
		}
		g.folders[f.UID] = f.Title
		json.NewEncoder(w).Encode(map[string]any{"uid": f.UID, "title": f.Title})
	case r.Method == "POST" && r.URL.Path == "/api/dashboards/db":
		var body struct {
			Dashboard map[string]any `json:"dashboard"`
			FolderUID string         `json:"folderUid"`
			Overwrite bool           `json:"overwrite"`
		}
		if r.Header.Get("Content-Type") != "application/json" || json.NewDecoder(r.Body).Decode(&body) != nil {
			fail(400, "bad json")
			return
		}
		if _, ok := g.folders[body.FolderUID]; !ok {
			fail(400, "folder not found")
			return
		}
		uid, _ := body.Dashboard["uid"].(string)
		if _, exists := g.dashboards[uid]; exists && !body.Overwrite {
			fail(412, "A dashboard with the same uid already exists")
			return
		}
		if body.Dashboard["title"] == "refuse me" {
			fail(400, "Dashboard title cannot be empty")
			return
		}
		g.dashboards[uid] = body.Dashboard
		json.NewEncoder(w).Encode(map[string]any{"uid": uid, "url": "/d/" + uid + "/x", "version": 1, "status": "success"})
	default:
		g.problems = append(g.problems, r.Method+" "+r.URL.Path)
		fail(404, "not found")
	}
}

func TestPushUploadsThroughGrafanasAPI(t *testing.T) {
	dir := t.TempDir()
	files, err := Generate(dir, testCatalog(), Options{Schema: "waymark"})
	if err != nil {
		t.Fatal(err)
	}
	g := &grafanaStandIn{token: "glsa_test", folders: map[string]string{}, dashboards: map[string]map[string]any{}}
	srv := httptest.NewServer(g)
	defer srv.Close()
	ctx := context.Background()
	o := PushOptions{URL: srv.URL + "/", Token: "glsa_test", FolderUID: "waymark", FolderTitle: "Waymark"}
	res, err := Push(ctx, o, files)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != len(files)-2 || len(g.dashboards) != len(files)-2 || g.folders["waymark"] != "Waymark" {
		t.Fatalf("pushed %d of %d dashboards, folders %v", len(res), len(files)-2, g.folders)
	}
	// Pushing again overwrites; the folder exists already.
	if _, err := Push(ctx, o, files); err != nil {
		t.Fatalf("second push: %v", err)
	}
	// A refused dashboard is named with Grafana's message; the rest go.
	var d map[string]any
	b, _ := json.Marshal(map[string]any{"uid": "waymark-bad", "title": "refuse me"})
	json.Unmarshal(b, &d)
	bad := dir + "/dashboards/waymark-bad.json"
	writeFile(bad, b)
	res, err = Push(ctx, o, append(files, bad))
	if err == nil || !strings.Contains(err.Error(), "dashboard waymark-bad: grafana answered 400") || !strings.Contains(err.Error(), "Dashboard title cannot be empty") {
		t.Errorf("refused dashboard: %v", err)
	}
	if len(res) != len(files)-2 {
		t.Errorf("%d pushed beside the refused one, want %d", len(res), len(files)-2)
	}
	// A wrong token is refused clearly.
	if _, err := Push(ctx, PushOptions{URL: srv.URL, Token: "wrong"}, files); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("wrong token: %v", err)
	}
	if len(g.problems) > 0 {
		t.Errorf("requests Grafana's API does not document: %v", g.problems)
	}
}
