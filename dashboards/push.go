package dashboards

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PushOptions says where to upload dashboards.
type PushOptions struct {
	// URL is Grafana's root URL (GRAFANA_URL), Token a service-account
	// token (GRAFANA_TOKEN), sent as Authorization: Bearer.
	URL, Token string
	// FolderUID is the folder the dashboards go into, created with
	// FolderTitle when missing.
	FolderUID, FolderTitle string
	Client                 *http.Client
}

// Pushed is one dashboard Grafana accepted.
type Pushed struct {
	UID, URL string
	Version  int
}

// Push uploads the generated dashboard files (other files are skipped) to
// Grafana's HTTP API: it makes sure the folder exists (GET /api/folders/:uid,
// else POST /api/folders), then POST /api/dashboards/db with folderUid and
// overwrite for each. A dashboard Grafana refuses does not stop the others;
// the error names each one refused with Grafana's message.
func Push(ctx context.Context, o PushOptions, files []string) ([]Pushed, error) {
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	o.URL = strings.TrimRight(o.URL, "/")
	if o.FolderUID == "" {
		o.FolderUID = "waymark"
	}
	if o.FolderTitle == "" {
		o.FolderTitle = "Waymark"
	}
	if err := ensureFolder(ctx, o); err != nil {
		return nil, err
	}
	var out []Pushed
	var errs []error
	for _, f := range files {
		if filepath.Ext(f) != ".json" {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		var d map[string]any
		if err := json.Unmarshal(b, &d); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", f, err))
			continue
		}
		uid, _ := d["uid"].(string)
		delete(d, "id") // Grafana matches on uid; a stale id would be refused
		body := map[string]any{"dashboard": d, "folderUid": o.FolderUID, "overwrite": true, "message": "waymark dashboards push"}
		var resp struct {
			UID     string `json:"uid"`
			URL     string `json:"url"`
			Version int    `json:"version"`
			Status  string `json:"status"`
		}
		if err := call(ctx, o, http.MethodPost, "/api/dashboards/db", body, &resp); err != nil {
			errs = append(errs, fmt.Errorf("dashboard %s: %w", uid, err))
			continue
		}
		out = append(out, Pushed{UID: uid, URL: resp.URL, Version: resp.Version})
	}
	return out, errors.Join(errs...)
}

func ensureFolder(ctx context.Context, o PushOptions) error {
	err := call(ctx, o, http.MethodGet, "/api/folders/"+o.FolderUID, nil, nil)
	var he *HTTPError
	if err == nil {
		return nil
	}
	if !errors.As(err, &he) || he.Status != http.StatusNotFound {
		return fmt.Errorf("folder %s: %w", o.FolderUID, err)
	}
	if err := call(ctx, o, http.MethodPost, "/api/folders", map[string]any{"uid": o.FolderUID, "title": o.FolderTitle}, nil); err != nil {
		return fmt.Errorf("create folder %s: %w", o.FolderUID, err)
	}
	return nil
}

// HTTPError is a refusal from Grafana.
type HTTPError struct {
	Status  int
	Message string
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("grafana answered %d %s: %s", e.Status, http.StatusText(e.Status), e.Message)
}

func call(ctx context.Context, o PushOptions, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, o.URL+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+o.Token)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := o.Client.Do(req)
	if err != nil {
		return err
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode/100 != 2 {
		var m struct {
			Message string `json:"message"`
		}
		msg := strings.TrimSpace(string(b))
		if json.Unmarshal(b, &m) == nil && m.Message != "" {
			msg = m.Message
		}
		return &HTTPError{Status: res.StatusCode, Message: msg}
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
