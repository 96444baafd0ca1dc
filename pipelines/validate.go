package pipelines

import (
	"encoding/binary"
	"fmt"
	"hash/maphash"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

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
}

// validCacheSize bounds each column's cache of checked values.
const validCacheSize = 4096

type keyPos struct {
	sheet int32
	row   int32
}

// NewValidator checks rows of ds against refs; now bounds "future" dates.
func NewValidator(ds *Dataset, refs Refs, loc *time.Location, now time.Time) *Validator {
	return &Validator{ds: ds, refs: refs, loc: loc, now: now, keys: map[uint64]keyPos{}, seed: maphash.MakeSeed(), sheet: "\x00",
		buf: make([]lake.Value, len(ds.Columns), len(ds.Columns)+len(Lineage)), valid: make([]map[string]string, len(ds.Columns))}
}

var (
	reParen  = regexp.MustCompile(`\(.*?\)$`)
	reSpaces = regexp.MustCompile(`[\s\n\r\t]+`)
)

func headerKey(s string) string {
	s = normalize(s)
	s = reSpaces.ReplaceAllString(s, "")
	s = reParen.ReplaceAllString(s, "")
	s = strings.TrimSuffix(s, ":")
	return strings.ToLower(s)
}

func (v *Validator) matchHeader(cells []string) ([]int, int) {
	idx := make([]int, len(v.ds.Columns))
	matched := 0
	for i, c := range v.ds.Columns {
		idx[i] = -1
		names := append([]string{c.Name, c.HeaderZh}, c.Aliases...)
		for j, cell := range cells {
			k := headerKey(cell)
			if k == "" {
				continue
			}
			if slices.ContainsFunc(names, func(n string) bool { return n != "" && headerKey(n) == k }) {
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

func (v *Validator) requiredFound(idx []int) bool {
	for i, c := range v.ds.Columns {
		if c.Required && idx[i] < 0 {
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
	if !v.header {
		if r.Number > headerScanRows {
			return nil, nil
		}
		if idx, n := v.matchHeader(r.Cells); n > 0 && v.requiredFound(idx) {
			v.idx, v.header, v.headerSeen = idx, true, true
			v.headerUnits(r.Cells)
		}
		return nil, nil
	}
	if isNote(r.Cells) {
		return nil, nil
	}
	vals := v.buf[:len(v.ds.Columns)]
	var probs []Problem
	bad := func(col ColumnSpec, raw string, err error) {
		probs = append(probs, Problem{Sheet: r.Sheet, Row: r.Number, Column: columnLabel(col), Value: raw, Reason: err.Error(), ReasonZh: zhOf(err)})
	}
	for i, col := range v.ds.Columns {
		raw := ""
		if j := v.idx[i]; j >= 0 && j < len(r.Cells) {
			raw = r.Cells[j]
		}
		if v.unitBad[i] != nil && !isMissing(raw) {
			bad(col, raw, v.unitBad[i])
			continue
		}
		if isMissing(raw) && !slices.Contains(col.Enum, strings.TrimSpace(raw)) {
			if col.Required {
				bad(col, raw, because("a value is required here", "此项必填"))
			}
			vals[i] = lake.Null()
			continue
		}
		if ok, hit := v.valid[i][raw]; hit {
			vals[i] = lake.Str(ok)
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
		if col.typ == lake.String && (len(col.Enum) > 0 || col.pattern != nil || col.Ref != "") {
			if v.valid[i] == nil {
				v.valid[i] = map[string]string{}
			}
			if len(v.valid[i]) < validCacheSize {
				v.valid[i][raw] = val.S
			}
		}
	}
	if len(probs) == 0 {
		for i, col := range v.ds.Columns {
			if col.UnitOf == "" || vals[i].Null {
				continue
			}
			rc, j, _ := v.ds.Column(col.UnitOf)
			row := v.refs[rc.Ref][vals[j].S]
			if want := row["unit"]; headerKey(want) != headerKey(vals[i].S) {
				bad(col, vals[i].S, because(fmt.Sprintf("unit %q does not match %s, the unit %s is measured in", vals[i].S, want, row["name_zh"]),
					fmt.Sprintf("单位“%s”与指标“%s”的计量单位“%s”不一致", vals[i].S, row["name_zh"], want)))
			}
		}
	}
	if len(probs) == 0 && len(v.ds.Keys) > 0 && v.ds.Duplicates != "keep" {
		h := v.keyHash(vals)
		if first, dup := v.keys[h]; dup {
			where := fmt.Sprintf("sheet %q row %d", v.sheets[first.sheet], first.row)
			if v.sheets[first.sheet] == "" {
				where = fmt.Sprintf("row %d", first.row)
			}
			probs = append(probs, Problem{Sheet: r.Sheet, Row: r.Number, Column: strings.Join(v.ds.Keys, "+"), Value: v.keyText(vals),
				Reason:   "the same " + strings.Join(v.ds.Keys, " and ") + " already appears in " + where + "; send each once",
				ReasonZh: "与" + where + "重复（" + strings.Join(v.keyLabels(), "、") + "相同），每条只报一次"})
		} else {
			v.keys[h] = keyPos{sheet: int32(len(v.sheets) - 1), row: int32(r.Number)}
		}
	}
	if len(probs) > 0 {
		if _, j, ok := v.ds.Column("department"); ok && v.idx[j] >= 0 && v.idx[j] < len(r.Cells) {
			for i := range probs {
				probs[i].Department = strings.TrimSpace(r.Cells[v.idx[j]])
			}
		}
		return nil, probs
	}
	return vals, nil
}

// Finish reports file-level problems once every row has been seen.
func (v *Validator) Finish() []Problem {
	if v.headerSeen {
		return nil
	}
	var want []string
	for _, c := range v.ds.Columns {
		if c.Required {
			want = append(want, columnLabel(c))
		}
	}
	where := "the file"
	if len(v.sheets) > 0 && v.sheets[0] != "" {
		where = "no sheet (" + strings.Join(v.sheets, ", ") + ")"
	}
	var wantZh []string
	for _, c := range v.ds.Columns {
		if c.Required && c.HeaderZh != "" {
			wantZh = append(wantZh, c.HeaderZh)
		}
	}
	return []Problem{{Reason: fmt.Sprintf("%s has a header row with the columns %s within its first %d rows: is this the right template or sheet?",
		where, strings.Join(want, ", "), headerScanRows),
		ReasonZh: fmt.Sprintf("前%d行内未找到包含“%s”的表头行：请使用正确的模板和工作表", headerScanRows, strings.Join(wantZh, "、"))}}
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

func (v *Validator) parse(col ColumnSpec, raw string) (lake.Value, error) {
	switch col.typ {
	case lake.String:
		s := strings.TrimSpace(raw)
		if col.Kind != "" {
			if err := checkCode(col, s); err != nil {
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
				fmt.Sprintf("“%s”不在%s名录中（例如：%s）", s, seed, v.refs.examples(col.Ref)))
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
			return lake.Value{}, because(fmt.Sprintf("expected %s, got a percentage", unitName(col)), fmt.Sprintf("应填以“%s”计的数值，不应填百分比", col.Unit))
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
		t, err := parseTimestamp(raw, v.loc)
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

func (v *Validator) inRange(col ColumnSpec, f float64) error {
	unit := ""
	if col.Unit != "" {
		unit = " " + col.Unit
	}
	if col.Min != nil && f < *col.Min {
		return because(fmt.Sprintf("%g%s is below the minimum %g%s", f, unit, *col.Min, unit), fmt.Sprintf("%g%s小于下限%g%s", f, col.Unit, *col.Min, col.Unit))
	}
	if col.Max != nil && f > *col.Max {
		return because(fmt.Sprintf("%g%s is above the maximum %g%s", f, unit, *col.Max, unit), fmt.Sprintf("%g%s超过上限%g%s", f, col.Unit, *col.Max, col.Unit))
	}
	return nil
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
		if strings.TrimSpace(c) != "" {
			return false
		}
	}
	return true
}

func isNote(cells []string) bool {
	for _, c := range cells {
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
