// Package xlsx decodes Excel workbooks into raw rows, sheet by sheet,
// streaming so that memory stays flat on large sheets.
package xlsx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/waymark-data/waymark/connectors"
)

func init() { connectors.RegisterFormat("xlsx", Open) }

type reader struct {
	f      *excelize.File
	path   string
	sheets []string
	si     int
	rows   *excelize.Rows
	n      int
	total  int
	lim    connectors.Limits
	merged []mergedRange
	// percent marks columns whose cells are formatted as percentages: the
	// raw value of "85%" is 0.85, and a person means 85.
	percent map[int]bool
	size    int64
}

// The style scan looks at the top-left of a sheet (the header and first
// data rows tell a column's format), and only in workbooks up to
// percentScanMaxBytes: reading styles loads the whole sheet into memory.
const (
	percentScanRows     = 60
	percentScanCols     = 60
	percentScanMaxBytes = 8 << 20
)

// mergedRange is a block of merged cells: Excel keeps the value in the
// top-left cell only, but a person reads it in every cell of the block
// (a header merged over two rows, a department merged down a column).
type mergedRange struct {
	r1, r2, c1, c2 int
	value          string
}

// Open opens the workbook at path. Raw cell values are read (dates arrive
// as Excel serial numbers, numbers as their stored text) because formatted
// values are slow to compute and lose precision.
func Open(path string, lim connectors.Limits) (connectors.RowReader, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if lim.MaxBytes > 0 && st.Size() > lim.MaxBytes {
		return nil, fmt.Errorf("%s: file is %d bytes, the limit is %d", path, st.Size(), lim.MaxBytes)
	}
	opts := excelize.Options{RawCellValue: true}
	if lim.MaxUnzippedBytes > 0 {
		opts.UnzipSizeLimit = lim.MaxUnzippedBytes
		opts.UnzipXMLSizeLimit = min(lim.MaxUnzippedBytes, 16<<20)
	}
	f, err := excelize.OpenFile(path, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable .xlsx workbook: %w", path, err)
	}
	return &reader{f: f, path: path, sheets: f.GetSheetList(), lim: lim, size: st.Size()}, nil
}

func (r *reader) Next() (connectors.Row, error) {
	for {
		if r.rows == nil {
			if r.si >= len(r.sheets) {
				return connectors.Row{}, io.EOF
			}
			rows, err := r.f.Rows(r.sheets[r.si])
			if err != nil {
				return connectors.Row{}, fmt.Errorf("%s sheet %q: %w", r.path, r.sheets[r.si], err)
			}
			r.rows, r.n = rows, 0
			if err := r.loadMerged(r.sheets[r.si]); err != nil {
				return connectors.Row{}, err
			}
			r.percent = r.percentColumns(r.sheets[r.si])
		}
		if !r.rows.Next() {
			err := r.rows.Error()
			r.rows.Close()
			r.rows = nil
			r.si++
			if err != nil {
				return connectors.Row{}, fmt.Errorf("%s sheet %q row %d: %w", r.path, r.sheets[r.si-1], r.n+1, err)
			}
			continue
		}
		r.n++
		r.total++
		if r.lim.MaxRows > 0 && r.total > r.lim.MaxRows {
			return connectors.Row{}, fmt.Errorf("%s: more than %d rows, the limit", r.path, r.lim.MaxRows)
		}
		cells, err := r.rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return connectors.Row{}, fmt.Errorf("%s sheet %q row %d: %w", r.path, r.sheets[r.si], r.n, err)
		}
		cells = r.fill(r.n, cells)
		for c := range r.percent {
			if c < len(cells) {
				if f, err := strconv.ParseFloat(cells[c], 64); err == nil {
					cells[c] = strconv.FormatFloat(math.Round(f*100*1e9)/1e9, 'f', -1, 64)
				}
			}
		}
		return connectors.Row{Sheet: r.sheets[r.si], Number: r.n, Cells: cells}, nil
	}
}

// percentColumns finds the columns formatted as percentages in the top
// rows of a sheet (0-based indexes).
func (r *reader) percentColumns(sheet string) map[int]bool {
	if r.size > percentScanMaxBytes {
		return nil
	}
	out := map[int]bool{}
	styles := map[int]bool{}
	for row := 1; row <= percentScanRows; row++ {
		for col := 1; col <= percentScanCols; col++ {
			if out[col-1] {
				continue
			}
			cell, _ := excelize.CoordinatesToCellName(col, row)
			id, err := r.f.GetCellStyle(sheet, cell)
			if err != nil || id == 0 {
				continue
			}
			isPct, seen := styles[id]
			if !seen {
				isPct = r.isPercentStyle(id)
				styles[id] = isPct
			}
			if isPct {
				out[col-1] = true
			}
		}
	}
	return out
}

func (r *reader) isPercentStyle(id int) bool {
	st, err := r.f.GetStyle(id)
	if err != nil || st == nil {
		return false
	}
	if st.NumFmt == 9 || st.NumFmt == 10 { // 0% and 0.00%
		return true
	}
	return st.CustomNumFmt != nil && strings.Contains(strings.ReplaceAll(*st.CustomNumFmt, `"%"`, ""), "%")
}

func (r *reader) loadMerged(sheet string) error {
	r.merged = r.merged[:0]
	cells, err := r.f.GetMergeCells(sheet)
	if err != nil {
		return fmt.Errorf("%s sheet %q: merged cells: %w", r.path, sheet, err)
	}
	for _, m := range cells {
		c1, r1, err1 := excelize.CellNameToCoordinates(m.GetStartAxis())
		c2, r2, err2 := excelize.CellNameToCoordinates(m.GetEndAxis())
		if err1 != nil || err2 != nil || m.GetCellValue() == "" {
			continue
		}
		r.merged = append(r.merged, mergedRange{r1: r1, r2: r2, c1: c1, c2: c2, value: m.GetCellValue()})
	}
	return nil
}

// fill copies each merged block's value into the cells it covers on row n.
func (r *reader) fill(n int, cells []string) []string {
	for _, m := range r.merged {
		if n < m.r1 || n > m.r2 {
			continue
		}
		for len(cells) < m.c2 {
			cells = append(cells, "")
		}
		for c := m.c1; c <= m.c2; c++ {
			if cells[c-1] == "" {
				cells[c-1] = m.value
			}
		}
	}
	return cells
}

func (r *reader) Close() error {
	var errs []error
	if r.rows != nil {
		errs = append(errs, r.rows.Close())
	}
	errs = append(errs, r.f.Close())
	return errors.Join(errs...)
}
