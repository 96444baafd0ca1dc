package pipelines

import (
	"encoding/binary"
	"fmt"
	"github.com/waymark-data/waymark/internal/textdist"
	"hash/maphash"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/waymark-data/waymark/connectors"
	"github.com/waymark-data/waymark/internal/lake"
)

// Problem is one thing wrong with what a department sent, precise enough
// to fix without asking: where (sheet, row, column), what was there, and
// what was expected.
type Problem struct {
	Sheet  string
	Row    int
	Column string
	Value  string
	Reason string
	// ReasonZh says the same in Chinese for the department's feedback.
	ReasonZh string
	// Department is who sent the row, when the row says so.
	Department string
}

func (p Problem) Error() string {
	var b strings.Builder
	if p.Sheet != "" {
		fmt.Fprintf(&b, "sheet %q ", p.Sheet)
	}
	if p.Row > 0 {
		fmt.Fprintf(&b, "row %d ", p.Row)
	}
	if p.Column != "" {
		fmt.Fprintf(&b, "column %s ", p.Column)
	}
	if p.Value != "" {
		fmt.Fprintf(&b, "value %q ", p.Value)
	}
	return strings.TrimSpace(b.String() + ": " + p.Reason)
}

// headerScanRows is how far down a sheet the header row may sit: office
// templates put a title, a unit line and a blank line above it.
const headerScanRows = 20

// Validator types and checks raw rows against a data set's contract.
type Validator struct {
	ds    *Dataset
	refs  Refs
	loc   *time.Location
	now   time.Time
	sheet string
	// idx maps contract column i to the cell index in the current sheet.
	idx        []int
	header     bool
	headerSeen bool
	sheets     []string
	// keys holds a 64-bit hash of every key seen in the file, with where
	// it was first seen: 12 bytes a row instead of the key's text.
	keys map[uint64]keyPos
	seed maphash.Seed
	// buf is the row handed back by Row, reused from row to row, with
	// room for the lineage columns the runner appends.
	buf []lake.Value
	// factor converts a column sent in another unit of the same kind
	// (千克 for 吨); unitBad says why a column's unit cannot be used.
	factor  []float64
	unitBad []error
	// valid remembers, per string column, values already checked against
	// enum, pattern and reference data (station ids, units, channels repeat
	// on every row of a sensor file).
	valid []map[string]string
	// days speeds up timestamps of days already seen.
	days dayCache
	// last is, per column, the last few cells accepted and their values.
	last []recentCells
	// unitChecks lists the columns whose unit must be the unit of the
	// reference row another column names (UnitOf).
	unitChecks []unitCheck
	// rect is set for formats whose rows all have the header's number of
	// fields (CSV): a row with another number has shifted columns.
	rect        bool
	width       int // fields of the header row
	headerRow   int
	nonBlank    int // non-blank rows seen, header and notes included
	dataRows    int // rows checked as data
	best        headerCandidate
	departments map[string]map[string]string
	colKeys     [][]string
	defaultDept string
	deptCol     int // the department column, or -1
}

// recentCells remembers the last few cells of a column that were
// accepted, with the values they gave: a logger file repeats its station on
// every row and cycles through a few sensors and channels. A column whose
// cells rarely repeat (timestamps, readings) would pay four comparisons a
// cell for nothing: when fewer than one in recentMinHits of a window's
// cells is found, the memory rests for recentRest cells, then tries again.
type recentCells struct {
	raw  [4]string
	val  [4]lake.Value
	n    int // cells held
	next int // the slot the next cell replaces

	tries, hits int // in the current window
	rest        int // cells left to skip
}

const (
	recentWindow  = 1024
	recentMinHits = 16
	recentRest    = 16384
)

// find returns the slot holding raw, or -1: the caller copies the value
// out of the slot once.
func (c *recentCells) find(raw string) int {
	if c.rest > 0 {
		c.rest--
		return -1
	}
	c.tries++
	for k := 0; k < c.n; k++ {
		if c.raw[k] == raw {
			c.hits++
			return k
		}
	}
	if c.tries >= recentWindow {
		if c.hits*recentMinHits < c.tries {
			c.rest = recentRest
		}
		c.tries, c.hits = 0, 0
	}
	return -1
}

func (c *recentCells) put(raw string, val lake.Value) {
	if c.rest > 0 {
		return
	}
	c.raw[c.next], c.val[c.next] = raw, val
	c.next = (c.next + 1) % len(c.raw)
	if c.n < len(c.raw) {
		c.n++
	}
}

// unitCheck pairs a unit column with the column naming its reference row.
type unitCheck struct{ col, of int }

// headerCandidate is the row most like a header seen so far, kept to say
// what is missing when no row has every required column.
type headerCandidate struct {
	score int
	sheet string
	row   int
	cells []string
	idx   []int
}

// validCacheSize bounds each column's cache of checked values.
const validCacheSize = 4096

type keyPos struct {
	sheet int32
	row   int32
}

// NewValidator checks rows of ds against refs; now bounds "future" dates.
func NewValidator(ds *Dataset, refs Refs, loc *time.Location, now time.Time) *Validator {
	v := &Validator{ds: ds, refs: refs, loc: loc, now: now, keys: map[uint64]keyPos{}, seed: maphash.MakeSeed(), sheet: "\x00",
		buf: make([]lake.Value, len(ds.Columns), len(ds.Columns)+len(Lineage)), valid: make([]map[string]string, len(ds.Columns)),
		last: make([]recentCells, len(ds.Columns)), departments: refs["departments.name_zh"]}
	_, v.deptCol, _ = ds.Column("department")
	for i, col := range ds.Columns {
		if col.UnitOf != "" {
			_, j, _ := ds.Column(col.UnitOf)
			v.unitChecks = append(v.unitChecks, unitCheck{col: i, of: j})
		}
	}
	return v
}

// Rectangular says the rows come from a format where every row has as
// many fields as the header (CSV): a row with more non-blank fields or
// fewer fields is rejected, since its values would land in the wrong
// columns.
func (v *Validator) Rectangular() { v.rect = true }

// headerKey is what a header cell is matched by: full-width folded, white
// space removed, a trailing "(unit)" dropped, a trailing colon dropped,
// lower case.
func headerKey(s string) string {
	s = normalize(s)
	if strings.ContainsAny(s, " \t\n\r\f\v") {
		s = strings.Map(func(r rune) rune {
			switch r {
			case ' ', '\t', '\n', '\r', '\f', '\v':
				return -1
			}
			return r
		}, s)
	}
	if strings.HasSuffix(s, ")") {
		if i := strings.IndexByte(s, '('); i >= 0 {
			s = s[:i]
		}
	}
	s = strings.TrimSuffix(s, ":")
	return strings.ToLower(s)
}

// formAliases are the headers Chinese statistical forms commonly give the
// columns most contracts have, by role: whatever a contract calls them, a
// form may say 报告期 for the month and 报送单位 for the department.
var formAliases = map[string][]string{
	"period":     {"统计期", "报告期", "所属期", "统计月份", "报告月份", "所属月份", "填报月份", "统计年月", "统计时间", "报告期别", "期别", "年月", "月份"},
	"department": {"填报单位", "报送单位", "填报部门", "报送部门", "填报单位名称", "报送单位名称"},
}

// formHeaders are headers forms carry that no contract reads: seeing them
// marks a row as a header when saying what a file lacks.
var formHeaders = []string{"序号", "填报日期", "报送日期", "填报人", "填表人", "联系电话", "备注", "计量单位", "审核人", "负责人"}

// names lists every header the column may appear under.
func (v *Validator) names(c ColumnSpec) []string {
	names := append([]string{c.Name, c.HeaderZh}, c.Aliases...)
	switch {
	case c.Name == "department":
		names = append(names, formAliases["department"]...)
	case c.Type == "month" && c.Name == v.ds.PartitionBy:
		names = append(names, formAliases["period"]...)
	}
	return names
}

// nameKeys returns, per column, the header keys of its names (computed
// once per file: headerKey is not cheap).
func (v *Validator) nameKeys() [][]string {
	if v.colKeys == nil {
		v.colKeys = make([][]string, len(v.ds.Columns))
		for i, c := range v.ds.Columns {
			for _, n := range v.names(c) {
				if k := headerKey(n); k != "" {
					v.colKeys[i] = append(v.colKeys[i], k)
				}
			}
		}
	}
	return v.colKeys
}

func (v *Validator) matchHeader(cells []string) ([]int, int) {
	idx := make([]int, len(v.ds.Columns))
	matched := 0
	keys := make([]string, len(cells))
	for j, cell := range cells {
		keys[j] = headerKey(cell)
	}
	colKeys := v.nameKeys()
	for i := range v.ds.Columns {
		idx[i] = -1
		for j, k := range keys {
			if k == "" {
				continue
			}
			if slices.Contains(colKeys[i], k) && !slices.Contains(idx[:i], j) {
				idx[i] = j
				matched++
				break
			}
		}
	}
	return idx, matched
}

// headerUnits reads the unit each matched header states and compares it
// with the contract: the same unit is fine, one of the same kind is
// converted (千克 to 吨), anything else makes the column's values unusable.
func (v *Validator) headerUnits(cells []string) {
	v.factor = make([]float64, len(v.ds.Columns))
	v.unitBad = make([]error, len(v.ds.Columns))
	for i, c := range v.ds.Columns {
		v.factor[i] = 1
		j := v.idx[i]
		if c.Unit == "" || j < 0 || j >= len(cells) {
			continue
		}
		u := headerUnit(cells[j])
		if u == "" || u == c.Unit {
			continue
		}
		f, ok := convert(u, c.Unit)
		if !ok || c.LakeType() != lake.Float64 {
			v.unitBad[i] = because(fmt.Sprintf("the header gives the unit %s; this column must be in %s", u, c.Unit),
				fmt.Sprintf("表头单位为“%s”，本栏应以“%s”填报", u, c.Unit))
			continue
		}
		v.factor[i] = f
	}
}

// DefaultDepartment is the department of rows when the file has no
// department column: the job's own (an inbox that is one department's, or
// the department signed in to the portal). A row that names another
// department is rejected: one department's account must not replace
// another's figures.
func (v *Validator) DefaultDepartment(dept string) { v.defaultDept = dept }

func (v *Validator) requiredFound(idx []int) bool {
	for i, c := range v.ds.Columns {
		if c.Required && idx[i] < 0 && !(c.Name == "department" && v.defaultDept != "") {
			return false
		}
	}
	return true
}

// notePrefixes start the remarks rows that forms carry below the data.
var notePrefixes = []string{"注", "说明", "备注", "填表", "填报人", "制表", "审核", "负责人", "联系电话", "单位负责人"}

// Row checks one raw row. It returns the typed values (in contract order)
// when the row is data and valid, problems when it is data and invalid,
// and neither for header, title, blank and note rows. The returned slice
// is reused by the next call; its capacity leaves room for lineage.
func (v *Validator) Row(r connectors.Row) ([]lake.Value, []Problem) {
	if r.Sheet != v.sheet {
		v.sheet, v.header, v.idx = r.Sheet, false, nil
		v.sheets = append(v.sheets, r.Sheet)
	}
	if allBlank(r.Cells) {
		return nil, nil
	}
	v.nonBlank++
	if !v.header {
		if r.Number > headerScanRows {
			return nil, nil
		}
		idx, n := v.matchHeader(r.Cells)
		if n > 0 && v.requiredFound(idx) {
			v.idx, v.header, v.headerSeen = idx, true, true
			v.width, v.headerRow = len(r.Cells), r.Number
			v.headerUnits(r.Cells)
			// A new header may state other units: verdicts start afresh.
			clear(v.last)
		} else if score := n + knownHeaders(r.Cells); score > v.best.score {
			v.best = headerCandidate{score: score, sheet: r.Sheet, row: r.Number, cells: capCells(r.Cells), idx: idx}
		}
		return nil, nil
	}
	if isNote(r.Cells) {
		return nil, nil
	}
	v.dataRows++
	vals := v.buf[:len(v.ds.Columns)]
	var probs []Problem
	bad := func(col *ColumnSpec, raw string, err error) {
		probs = append(probs, Problem{Sheet: r.Sheet, Row: r.Number, Column: columnLabel(*col), Value: raw, Reason: err.Error(), ReasonZh: zhOf(err)})
	}
	if v.rect && len(r.Cells) != v.width && (len(r.Cells) < v.width || !allBlank(r.Cells[v.width:])) {
		probs = append(probs, Problem{Sheet: r.Sheet, Row: r.Number,
			Reason: fmt.Sprintf("the row has %d fields but the header (row %d) has %d: a comma inside a value without quotes, or a missing quote, shifts the columns; nothing of this row was read",
				len(r.Cells), v.headerRow, v.width),
			ReasonZh: fmt.Sprintf("该行有%d栏，而表头（第%d行）有%d栏：某个值中含有未加引号的逗号或缺少引号，会使各栏错位，整行未读取",
				len(r.Cells), v.headerRow, v.width)})
		return nil, v.attribute(r, probs)
	}
	for i := range v.ds.Columns {
		col := &v.ds.Columns[i] // a pointer: a ColumnSpec is hundreds of bytes
		raw := ""
		if j := v.idx[i]; j >= 0 && j < len(r.Cells) {
			raw = r.Cells[j]
		} else if j < 0 && col.Name == "department" {
			raw = v.defaultDept
		}
		// The same cell as the row before (a logger file's station, sensor
		// and unit on every row) has the same verdict: every check below
		// depends on the cell and the column alone.
		last := &v.last[i]
		if k := last.find(raw); k >= 0 {
			vals[i] = last.val[k]
			continue
		}
		if err := checkCell(raw); err != nil {
			bad(col, raw, err)
			continue
		}
		missing := isMissing(raw)
		if v.unitBad[i] != nil && !missing {
			bad(col, raw, v.unitBad[i])
			continue
		}
		if missing && !slices.Contains(col.Enum, strings.TrimSpace(raw)) {
			if col.Required {
				bad(col, raw, because("a value is required here", "此项必填"))
				continue
			}
			vals[i] = lake.Null()
			last.put(raw, vals[i])
			continue
		}
		if ok, hit := v.valid[i][raw]; hit {
			vals[i] = lake.Str(ok)
			last.put(raw, vals[i])
			continue
		}
		val, err := v.parse(col, raw)
		if err != nil {
			bad(col, raw, err)
			continue
		}
		if v.factor[i] != 1 && col.typ == lake.Float64 {
			// 12 significant digits: 0.0021 万吨 is 21 t, not 21.000000000000004.
			val.F, _ = strconv.ParseFloat(strconv.FormatFloat(val.F*v.factor[i], 'g', 12, 64), 64)
			if err := v.inRange(col, val.F); err != nil {
				bad(col, raw, err)
				continue
			}
		}
		vals[i] = val
		last.put(raw, val)
		if col.typ == lake.String && (len(col.Enum) > 0 || col.pattern != nil || col.Ref != "" || col.Kind != "") {
			if v.valid[i] == nil {
				v.valid[i] = map[string]string{}
			}
			if len(v.valid[i]) < validCacheSize {
				// Copies: a reader's cells may share their memory with
				// other rows, which a long-lived key would keep alive.
				v.valid[i][strings.Clone(raw)] = strings.Clone(val.S)
			}
		}
	}
	if len(probs) == 0 {
		for _, u := range v.unitChecks {
			col, j := &v.ds.Columns[u.col], u.of
			if vals[j].Null {
				continue
			}
			row := v.refs[v.ds.Columns[j].Ref][vals[j].S]
			want := row["unit"]
			switch {
			case noUnit(want):
				// The catalog prints no unit (zw-11's "—"): a clerk leaves
				// the cell blank or copies the dash; a unit written
				// anyway is taken as the clerk's note, not checked.
			case vals[u.col].Null:
				bad(col, "", because(fmt.Sprintf("the unit is missing: %s is measured in %s", row["name_zh"], want),
					fmt.Sprintf("缺少单位：指标“%s”的计量单位是“%s”", row["name_zh"], want)))
			case headerKey(want) != headerKey(vals[u.col].S):
				bad(col, vals[u.col].S, because(fmt.Sprintf("unit %q does not match %s, the unit %s is measured in", vals[u.col].S, want, row["name_zh"]),
					fmt.Sprintf("单位“%s”与指标“%s”的计量单位“%s”不一致", vals[u.col].S, row["name_zh"], want)))
			}
		}
	}
	if len(probs) == 0 && v.defaultDept != "" {
		if j := v.deptCol; j >= 0 && v.idx[j] >= 0 && !vals[j].Null && vals[j].S != v.defaultDept {
			col := &v.ds.Columns[j]
			bad(col, r.Cells[v.idx[j]], because(fmt.Sprintf("this row is %s's, but the file came through %s's inbox or account; each department sends its own rows", vals[j].S, v.defaultDept),
				fmt.Sprintf("该行填报单位为“%s”，而本文件由“%s”报送：各单位只能报送本单位的数据", vals[j].S, v.defaultDept)))
		}
	}
	if len(probs) == 0 && len(v.ds.Keys) > 0 && v.ds.Duplicates != "keep" {
		h := v.keyHash(vals)
		if first, dup := v.keys[h]; dup {
			where := fmt.Sprintf("sheet %q row %d", v.sheets[first.sheet], first.row)
			whereZh := fmt.Sprintf("工作表“%s”第%d行", v.sheets[first.sheet], first.row)
			if v.sheets[first.sheet] == "" {
				where, whereZh = fmt.Sprintf("row %d", first.row), fmt.Sprintf("第%d行", first.row)
			}
			probs = append(probs, Problem{Sheet: r.Sheet, Row: r.Number, Column: strings.Join(v.ds.Keys, "+"), Value: v.keyText(vals),
				Reason:   "the same " + strings.Join(v.ds.Keys, " and ") + " already appears in " + where + "; send each once",
				ReasonZh: "与" + whereZh + "重复（" + strings.Join(v.keyLabels(), "、") + "相同），每条只报一次"})
		} else {
			v.keys[h] = keyPos{sheet: int32(len(v.sheets) - 1), row: int32(r.Number)}
		}
	}
	if len(probs) > 0 {
		return nil, v.attribute(r, probs)
	}
	return vals, nil
}

// noUnit reports whether a catalog unit is the printed "no unit" dash.
func noUnit(unit string) bool {
	switch strings.TrimSpace(unit) {
	case "", "—", "-", "－", "–", "——":
		return true
	}
	return false
}

// attribute names the department a rejected row says it is from, when it
// is one the reference data knows (any of its names, stored canonically):
// feedback goes to it. A value no department has (a typo, "..") is not a
// department, and must not become a feedback folder.
func (v *Validator) attribute(r connectors.Row, probs []Problem) []Problem {
	_, j, ok := v.ds.Column("department")
	if !ok || v.idx[j] < 0 || v.idx[j] >= len(r.Cells) {
		return probs
	}
	row, known := v.departments[strings.TrimSpace(r.Cells[v.idx[j]])]
	if !known {
		return probs
	}
	for i := range probs {
		probs[i].Department = row["name_zh"]
	}
	return probs
}

// knownHeaders counts the cells that are headers forms commonly carry.
func knownHeaders(cells []string) int {
	n := 0
	for _, c := range cells {
		if k := headerKey(c); k != "" && formHeaderKeys[k] {
			n++
		}
	}
	return n
}

var formHeaderKeys = func() map[string]bool {
	m := map[string]bool{}
	for _, h := range formHeaders {
		m[headerKey(h)] = true
	}
	return m
}()

// capCells copies at most 64 cells of at most 64 bytes, for a message.
func capCells(cells []string) []string {
	out := make([]string, 0, min(len(cells), 64))
	for _, c := range cells[:min(len(cells), 64)] {
		out = append(out, safeText(strings.TrimSpace(c), 64))
	}
	return out
}

// Empty reports whether the file held no data: nothing at all, or a
// header and no data rows. An empty submission is not a submission.
func (v *Validator) Empty() bool {
	return v.nonBlank == 0 || v.headerSeen && v.dataRows == 0
}

// Finish reports file-level problems once every row has been seen: an
// empty file, a header with no rows, or no header at all, saying exactly
// which required columns are missing and the headers closest to them.
func (v *Validator) Finish() []Problem {
	switch {
	case v.nonBlank == 0:
		return []Problem{{Reason: "the file is empty: no cell is filled in", ReasonZh: "文件为空，没有填写任何内容"}}
	case v.headerSeen && v.dataRows == 0:
		return []Problem{{Reason: "the file has a header but no data rows: nothing was received; fill in the rows and send it again",
			ReasonZh: "文件只有表头，没有数据行，未收到任何数据：请填写数据后重新报送"}}
	case v.headerSeen:
		return nil
	}
	var required []string
	var requiredZh []string
	for _, c := range v.ds.Columns {
		if c.Required {
			required = append(required, columnLabel(c))
			requiredZh = append(requiredZh, "“"+zhLabel(c)+"”")
		}
	}
	if v.best.score == 0 {
		return []Problem{{
			Reason: fmt.Sprintf("no header row was found within the first %d rows of %s: this does not look like a %s file (its header needs the columns %s)",
				headerScanRows, v.where(), v.ds.Name, strings.Join(required, ", ")),
			ReasonZh: fmt.Sprintf("%s前%d行内未找到表头，不像是“%s”的报表（表头应有%s等栏目）：请使用统一模板",
				v.whereZh(), headerScanRows, v.ds.TitleZh, strings.Join(requiredZh, ""))}}
	}
	var missing, missingZh, close, closeZh []string
	for i, c := range v.ds.Columns {
		if !c.Required || v.best.idx[i] >= 0 || c.Name == "department" && v.defaultDept != "" {
			continue
		}
		missing = append(missing, columnLabel(c))
		missingZh = append(missingZh, "“"+zhLabel(c)+"”")
		if h := v.closest(c); h != "" {
			close = append(close, fmt.Sprintf("%q for %s", h, columnLabel(c)))
			closeZh = append(closeZh, fmt.Sprintf("“%s”（应为“%s”）", h, zhLabel(c)))
		}
	}
	row := fmt.Sprintf("row %d", v.best.row)
	rowZh := fmt.Sprintf("第%d行", v.best.row)
	if v.best.sheet != "" {
		row += fmt.Sprintf(" of sheet %q", v.best.sheet)
		rowZh = fmt.Sprintf("工作表“%s”第%d行", v.best.sheet, v.best.row)
	}
	// A problem of the whole file (row 0); the message names the row.
	p := Problem{Sheet: v.best.sheet,
		Reason:   fmt.Sprintf("the header (%s, the closest row to one) lacks the required column(s) %s", row, strings.Join(missing, ", ")),
		ReasonZh: fmt.Sprintf("表头（%s）缺少必填栏目%s", rowZh, strings.Join(missingZh, ""))}
	if len(close) > 0 {
		p.Reason += "; the closest headers found: " + strings.Join(close, ", ")
		p.ReasonZh += "；表头中最接近的是" + strings.Join(closeZh, "、")
	}
	p.Reason += "; name the columns as the template does"
	p.ReasonZh += "。请按统一模板填写栏目名称"
	return []Problem{p}
}

// closest returns the header of the candidate row nearest to one of the
// column's names, when it is near enough to be a misspelling of it.
func (v *Validator) closest(c ColumnSpec) string {
	best, bestD := "", 1<<30
	for j, cell := range v.best.cells {
		if slices.Contains(v.best.idx, j) {
			continue // the header of another column
		}
		k := []rune(headerKey(cell))
		if len(k) == 0 {
			continue
		}
		_, ci, _ := v.ds.Column(c.Name)
		for _, n := range v.nameKeys()[ci] {
			nk := []rune(n)
			d := textdist.Distance(string(k), string(nk))
			if strings.Contains(string(k), string(nk)) || strings.Contains(string(nk), string(k)) {
				d = min(d, 1)
			}
			if d < bestD && d <= max(1, len(nk)/2) {
				best, bestD = cell, d
			}
		}
	}
	return best
}

func (v *Validator) where() string {
	if len(v.sheets) > 0 && v.sheets[0] != "" {
		return "any sheet (" + strings.Join(v.sheets, ", ") + ")"
	}
	return "the file"
}

func (v *Validator) whereZh() string {
	if len(v.sheets) > 0 && v.sheets[0] != "" {
		return "各工作表（" + strings.Join(v.sheets, "、") + "）"
	}
	return "文件"
}

// zhLabel is a column's Chinese header, or its name when it has none.
func zhLabel(c ColumnSpec) string {
	if c.HeaderZh != "" {
		return c.HeaderZh
	}
	return c.Name
}

func (v *Validator) keyLabels() []string {
	out := make([]string, len(v.ds.Keys))
	for i, k := range v.ds.Keys {
		c, _, _ := v.ds.Column(k)
		out[i] = c.HeaderZh
		if out[i] == "" {
			out[i] = k
		}
	}
	return out
}

// keyHash hashes the key columns' typed values.
func (v *Validator) keyHash(vals []lake.Value) uint64 {
	var h maphash.Hash
	h.SetSeed(v.seed)
	var b [8]byte
	for _, k := range v.ds.Keys {
		_, j, _ := v.ds.Column(k)
		x := vals[j]
		h.WriteString(x.S)
		binary.LittleEndian.PutUint64(b[:], uint64(x.I)^math.Float64bits(x.F))
		h.Write(b[:])
		h.WriteByte(0)
	}
	return h.Sum64()
}

// keyText renders a row's key for the person reading the error.
func (v *Validator) keyText(vals []lake.Value) string {
	parts := make([]string, len(v.ds.Keys))
	for i, k := range v.ds.Keys {
		c, j, _ := v.ds.Column(k)
		x := vals[j]
		switch c.LakeType() {
		case lake.Date:
			parts[i] = x.Time(lake.Date).Format("2006-01-02")
		case lake.Timestamp:
			parts[i] = x.Time(lake.Timestamp).Format(time.RFC3339)
		case lake.Int64:
			parts[i] = strconv.FormatInt(x.I, 10)
		case lake.Float64:
			parts[i] = strconv.FormatFloat(x.F, 'g', -1, 64)
		default:
			parts[i] = x.S
		}
	}
	return strings.Join(parts, "|")
}

func (v *Validator) parse(col *ColumnSpec, raw string) (lake.Value, error) {
	switch col.typ {
	case lake.String:
		s := strings.TrimSpace(raw)
		if col.Kind != "" {
			if err := checkCode(*col, s); err != nil {
				return lake.Value{}, err
			}
		}
		if len(col.Enum) > 0 && !slices.Contains(col.Enum, s) {
			return lake.Value{}, because("expected one of "+strings.Join(col.Enum, ", "), "应为以下之一："+strings.Join(col.Enum, "、"))
		}
		if col.pattern != nil && !col.pattern.MatchString(s) {
			hint, hintZh := col.PatternHint, col.PatternHintZh
			if hint == "" {
				hint = "text matching " + col.Pattern
			}
			if hintZh == "" {
				hintZh = "须符合规则 " + col.Pattern
			}
			return lake.Value{}, because("expected "+hint, "格式不符，应为"+hintZh)
		}
		if col.Kind == "credit_code" {
			if err := checkCreditCode(s); err != nil {
				return lake.Value{}, err
			}
		}
		if col.Ref != "" {
			row, ok := v.refs[col.Ref][s]
			if ok {
				// Store the canonical name: 旗工信局 and 旗工业和信息化局
				// are one bureau, and its submissions must supersede each
				// other whichever name the clerk typed.
				_, field, _ := strings.Cut(col.Ref, ".")
				return lake.Str(row[field]), nil
			}
			seed, _, _ := strings.Cut(col.Ref, ".")
			return lake.Value{}, because(fmt.Sprintf("unknown value: expected one listed in the %s reference data (e.g. %s)", seed, v.refs.examples(col.Ref)),
				fmt.Sprintf("“%s”不在%s中（例如：%s）", s, seedZh(seed), v.refs.examplesZh(col.Ref)))
		}
		return lake.Str(s), nil
	case lake.Int64:
		n, err := parseInt(raw)
		if err != nil {
			return lake.Value{}, err
		}
		return lake.Int(n), v.inRange(col, float64(n))
	case lake.Float64:
		if col.Unit != "%" && strings.Contains(raw, "%") || strings.Contains(raw, "％") && col.Unit != "%" {
			return lake.Value{}, because(fmt.Sprintf("expected %s, got a percentage", unitName(*col)), fmt.Sprintf("应填以“%s”计的数值，不应填百分比", col.Unit))
		}
		f, err := parseNumber(raw)
		if err != nil {
			return lake.Value{}, err
		}
		return lake.Float(f), v.inRange(col, f)
	case lake.Date:
		var t time.Time
		var err error
		if col.Type == "month" {
			t, err = parseMonth(raw)
		} else {
			t, err = parseDate(raw)
		}
		if err != nil {
			return lake.Value{}, err
		}
		today := v.now.In(v.loc)
		limit := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
		if t.After(limit) {
			return lake.Value{}, because(fmt.Sprintf("%s is in the future (today is %s)", t.Format("2006-01-02"), limit.Format("2006-01-02")),
				fmt.Sprintf("%s晚于今天（%s），请核对", t.Format("2006-01-02"), limit.Format("2006-01-02")))
		}
		return lake.Day(t), nil
	case lake.Timestamp:
		t, err := v.days.timestamp(raw, v.loc)
		if err != nil {
			return lake.Value{}, err
		}
		if t.After(v.now.Add(10 * time.Minute)) {
			return lake.Value{}, because(fmt.Sprintf("%s is in the future", t.In(v.loc).Format("2006-01-02 15:04:05")), fmt.Sprintf("%s晚于当前时间，请核对", t.In(v.loc).Format("2006-01-02 15:04:05")))
		}
		return lake.Micros(t), nil
	case lake.Bool:
		b, err := parseBool(raw)
		if err != nil {
			return lake.Value{}, err
		}
		if b {
			return lake.Int(1), nil
		}
		return lake.Int(0), nil
	}
	return lake.Value{}, fmt.Errorf("unsupported type %s", col.Type)
}

func (v *Validator) inRange(col *ColumnSpec, f float64) error {
	unit := ""
	if col.Unit != "" {
		unit = " " + col.Unit
	}
	if col.Min != nil && f < *col.Min {
		return because(fmt.Sprintf("%s%s is below the minimum %s%s", plainNumber(f), unit, plainNumber(*col.Min), unit),
			fmt.Sprintf("%s%s小于下限%s%s", plainNumber(f), col.Unit, plainNumber(*col.Min), col.Unit))
	}
	if col.Max != nil && f > *col.Max {
		return because(fmt.Sprintf("%s%s is above the maximum %s%s", plainNumber(f), unit, plainNumber(*col.Max), unit),
			fmt.Sprintf("%s%s超过上限%s%s", plainNumber(f), col.Unit, plainNumber(*col.Max), col.Unit))
	}
	return nil
}

// plainNumber writes a number as people write it: 10000000, not 1e+07.
func plainNumber(f float64) string {
	if math.Abs(f) < 1e15 {
		return strconv.FormatFloat(f, 'f', -1, 64)
	}
	return strconv.FormatFloat(f, 'g', -1, 64)
}

// seedZh names a reference list in Chinese.
func seedZh(seed string) string {
	switch seed {
	case "departments":
		return "部门名录"
	case "hazard_sites":
		return "地质灾害隐患点名录"
	case "indicators":
		return "指标目录"
	case "zw_projects":
		return "“无废城市”项目清单"
	}
	return "参考数据"
}

func unitName(c ColumnSpec) string {
	if c.Unit == "" {
		return "a number"
	}
	return "a number in " + c.Unit
}

func columnLabel(c ColumnSpec) string {
	if c.HeaderZh != "" {
		return c.HeaderZh + " (" + c.Name + ")"
	}
	return c.Name
}

func allBlank(cells []string) bool {
	for _, c := range cells {
		if c != "" && c[0] > ' ' && c[0] < utf8.RuneSelf {
			return false // starts with a visible ASCII character
		}
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func isNote(cells []string) bool {
	for _, c := range cells {
		if c != "" && c[0] > ' ' && c[0] < utf8.RuneSelf {
			return false // every note prefix starts with a Chinese character
		}
		s := strings.TrimSpace(normalize(c))
		if s == "" {
			continue
		}
		for _, p := range notePrefixes {
			if strings.HasPrefix(s, p) {
				return true
			}
		}
		return false
	}
	return false
}
