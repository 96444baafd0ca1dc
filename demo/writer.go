package demo

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/waymark-data/waymark/pipelines"
)

// submission is one file a department sends: rows keyed by contract
// column name, written with the contract's Chinese headers so the demo
// stays in step with the contracts.
type submission struct {
	ds     *pipelines.Dataset
	dir    string
	name   string
	title  string
	rows   []map[string]any
	sent   time.Time
	format string // xlsx (default), csv-gbk, csv, json
}

func (s submission) header() []string {
	h := make([]string, len(s.ds.Columns))
	for i, c := range s.ds.Columns {
		h[i] = c.Header()
	}
	return h
}

func (s submission) cells(r map[string]any) []any {
	out := make([]any, len(s.ds.Columns))
	for i, c := range s.ds.Columns {
		out[i] = r[c.Name]
	}
	return out
}

// written holds the files a run of All has written: a generator that
// wrote a second submission under a name already used would replace the
// first, and its rows would vanish from the demo without a word (28号's
// monthly reports once replaced the zero-waste figures of the same
// department and month). All runs its generators one after another.
var written = map[string]bool{}

func (s submission) write() (string, error) {
	if err := os.MkdirAll(s.dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(s.dir, s.name)
	if written[p] {
		return "", fmt.Errorf("demo %s: written twice in one run, the second would replace the first", p)
	}
	written[p] = true
	var err error
	switch s.format {
	case "csv", "csv-gbk":
		err = s.writeCSV(p)
	case "json":
		err = s.writeJSON(p)
	default:
		err = s.writeXLSX(p)
	}
	if err != nil {
		return "", fmt.Errorf("demo %s: %w", p, err)
	}
	// The file's time is when the department sent it: ingest records it as
	// submitted_at, corrections are ordered by it, lateness is judged by it.
	return p, os.Chtimes(p, s.sent, s.sent)
}

func (s submission) writeXLSX(p string) error {
	f := excelize.NewFile()
	defer f.Close()
	sh := "数据"
	f.SetSheetName("Sheet1", sh)
	last, _ := excelize.ColumnNumberToName(len(s.ds.Columns))
	f.SetCellValue(sh, "A1", s.title)
	f.MergeCell(sh, "A1", last+"1")
	h := s.header()
	hv := make([]any, len(h))
	for i, v := range h {
		hv[i] = v
	}
	f.SetSheetRow(sh, "A2", &hv)
	for i, r := range s.rows {
		vals := s.cells(r)
		f.SetSheetRow(sh, fmt.Sprintf("A%d", i+3), &vals)
	}
	return f.SaveAs(p)
}

func (s submission) writeCSV(p string) error {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	w.Write(s.header())
	for _, r := range s.rows {
		rec := make([]string, len(s.ds.Columns))
		for i, v := range s.cells(r) {
			if v != nil {
				rec[i] = fmt.Sprint(v)
			}
		}
		w.Write(rec)
	}
	w.Flush()
	b := buf.Bytes()
	if s.format == "csv-gbk" {
		// What a Chinese-locale spreadsheet program writes by default.
		enc, err := simplifiedchinese.GB18030.NewEncoder().Bytes(b)
		if err != nil {
			return err
		}
		b = enc
	}
	return os.WriteFile(p, b, 0o644)
}

func (s submission) writeJSON(p string) error {
	recs := make([]map[string]any, len(s.rows))
	for i, r := range s.rows {
		m := map[string]any{}
		for _, c := range s.ds.Columns {
			if v, ok := r[c.Name]; ok && v != nil {
				m[c.Name] = v
			}
		}
		recs[i] = m
	}
	b, err := json.MarshalIndent(map[string]any{"department": s.title, "data": recs}, "", " ")
	if err != nil {
		return err
	}
	return os.WriteFile(p, b, 0o644)
}
