package jsonfile

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/waymark-data/waymark/connectors"
)

// FuzzJSON: any bytes give rows, row errors or a FileError, never a panic,
// and no cell beyond the cell limit. With encoding/json as the oracle: a
// file this reader reads whole as an array is valid JSON, and for a valid
// array of objects every record is read (or rejected with a reason) with
// each string value as encoding/json decodes it.
func FuzzJSON(f *testing.F) {
	for _, s := range []string{`[{"a":1,"b":"x"},{"a":2,"c":null}]`, `{"data":[{"a":1}],"page":2}`, "{\"a\":1}\n{\"a\":2,\"a\":3}\n",
		`[{"a":"\ud800"},{"a":"\u00e9"}]`, `[{"a":{"b":[1,2,{"c":"d"}]}}]`, `[]`, `{}`, `[1,2]`, "\xef\xbb\xbf[{\"a\":\"\\n\"}]", `[{"a":-0.5e+3}]`, "[{\"k\xff\xfe\":\"v\"},{\"k\xff\xfe\":1}]"} {
		f.Add([]byte(s))
	}
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, body []byte) {
		p := filepath.Join(dir, "in.json")
		if err := os.WriteFile(p, body, 0o644); err != nil {
			t.Skip()
		}
		rr, err := Open(p, connectors.Limits{MaxRows: 10000})
		var records [][]string // nil for a rejected record
		var header []string
		if err == nil {
			defer rr.Close()
			for first := true; ; first = false {
				row, err := rr.Next()
				if err == io.EOF {
					break
				}
				var re *connectors.RowError
				if errors.As(err, &re) {
					records = append(records, nil)
					continue
				}
				if err != nil {
					t.Fatalf("a file that opened failed later: %v", err)
				}
				for _, c := range row.Cells {
					if len(c) > connectors.MaxCellBytes+1 {
						t.Fatalf("cell of %d bytes", len(c))
					}
				}
				if first {
					header = row.Cells
					continue
				}
				records = append(records, row.Cells)
			}
		} else {
			var fe *connectors.FileError
			if !errors.As(err, &fe) {
				t.Fatalf("open: %v is not a FileError", err)
			}
		}
		text := bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
		if err == nil && bytes.HasPrefix(bytes.TrimSpace(text), []byte("[")) && !json.Valid(text) {
			t.Fatalf("read %d records from invalid JSON", len(records))
		}
		var arr []map[string]json.RawMessage
		if !json.Valid(text) || json.Unmarshal(text, &arr) != nil || len(arr) == 0 {
			return
		}
		if err != nil {
			if strings.Contains(err.Error(), "nested more than") || strings.Contains(err.Error(), "different keys") {
				return
			}
			t.Fatalf("valid array of %d objects: %v", len(arr), err)
		}
		if len(records) != len(arr) {
			t.Fatalf("%d records, encoding/json reads %d", len(records), len(arr))
		}
		col := map[string]int{}
		for i, h := range header {
			col[h] = i
		}
		for i, obj := range arr {
			if records[i] == nil {
				continue
			}
			for k, raw := range obj {
				var s string
				if json.Unmarshal(raw, &s) != nil || !utf8.ValidString(s) || strings.ContainsRune(s, utf8.RuneError) || len(s) > connectors.MaxCellBytes {
					continue
				}
				j, ok := col[k]
				if !ok {
					t.Fatalf("record %d: key %q is not a column of %q", i+1, k, header)
				}
				if records[i][j] != s {
					t.Fatalf("record %d key %q: %q, encoding/json reads %q", i+1, k, records[i][j], s)
				}
			}
		}
	})
}
