package jsonfile

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/waymark-data/waymark/connectors"
)

func rowsOf(t *testing.T, body string) ([]string, error) {
	t.Helper()
	p := filepath.Join(t.TempDir(), "in.json")
	os.WriteFile(p, []byte(body), 0o644)
	rr, err := Open(p, connectors.Limits{})
	if err != nil {
		return nil, err
	}
	defer rr.Close()
	var out []string
	for {
		row, err := rr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		out = append(out, strings.Join(row.Cells, "|"))
	}
}

func TestShapes(t *testing.T) {
	want := "period|value\n2023-05|1.5\n2023-06|"
	cases := map[string]string{
		"array":   `[{"value": 1.5, "period": "2023-05"}, {"period": "2023-06", "value": null}]`,
		"wrapped": `{"page": 1, "data": [{"period": "2023-05", "value": 1.5}, {"period": "2023-06"}]}`,
		"ndjson":  "{\"period\":\"2023-05\",\"value\":1.5}\n{\"period\":\"2023-06\"}\n",
		"bom":     "\ufeff  [{\"period\":\"2023-05\",\"value\":1.5},{\"period\":\"2023-06\",\"extra\":1}]",
	}
	for name, body := range cases {
		got, err := rowsOf(t, body)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if strings.Join(got, "\n") != want {
			t.Errorf("%s: rows\n%s\nwant\n%s", name, strings.Join(got, "\n"), want)
		}
	}
}

func TestBrokenJSONNamesTheRecord(t *testing.T) {
	_, err := rowsOf(t, `[{"period":"2023-05"}, {"period": "2023-06",]`)
	if err == nil || !strings.Contains(err.Error(), "record 2") {
		t.Errorf("want an error naming record 2, got %v", err)
	}
	if _, err := rowsOf(t, `"just a string"`); err == nil {
		t.Error("a bare string is not a submission")
	}
	if _, err := rowsOf(t, ``); err == nil || !strings.Contains(err.Error(), "empty") {
		t.Errorf("empty file: %v", err)
	}
}
