// Package targets turns a target as the bulletin prints it ("≥90", "<6",
// "55", "逐年降低", "使用量负增长", a milestone sentence) into a typed
// form the warehouse evaluates. The original text always travels with the
// parsed form: the government's wording is the record, the parse is ours.
package targets

import (
	"regexp"
	"strconv"
	"strings"

	"golang.org/x/text/width"
)

// Comparator says how an actual value is judged against a target.
type Comparator string

// Comparators. The year-on-year ones compare with the previous period's
// actual; Milestone targets are qualitative and judged by people.
const (
	None           Comparator = "none"
	Eq             Comparator = "="
	Le             Comparator = "<="
	Lt             Comparator = "<"
	Ge             Comparator = ">="
	Gt             Comparator = ">"
	DecreaseYoY    Comparator = "decrease_yoy"
	IncreaseYoY    Comparator = "increase_yoy"
	NegativeGrowth Comparator = "negative_growth"
	Milestone      Comparator = "milestone"
)

// Direction says which way is better for an indicator.
type Direction string

// Directions.
const (
	Higher  Direction = "higher"
	Lower   Direction = "lower"
	Neutral Direction = "none"
)

// Target is one parsed target.
type Target struct {
	Text       string
	Comparator Comparator
	// Value is the threshold; for DecreaseYoY it is the minimum decrease
	// in percent, nil when any decrease will do.
	Value *float64
	// Date is an ISO date threshold for deadline targets ("≤2023-12-31").
	Date string
}

var (
	reNum  = regexp.MustCompile(`^[+-]?\d+(\.\d+)?$`)
	reDate = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
)

var prefixes = []struct {
	p string
	c Comparator
}{
	{">=", Ge}, {"≥", Ge}, {"≧", Ge}, {"=>", Ge}, {"不低于", Ge}, {"不少于", Ge}, {"至少", Ge}, {"大于等于", Ge},
	{"<=", Le}, {"≤", Le}, {"≦", Le}, {"=<", Le}, {"不高于", Le}, {"不超过", Le}, {"不大于", Le}, {"小于等于", Le},
	{"<", Lt}, {"小于", Lt}, {"低于", Lt},
	{">", Gt}, {"大于", Gt}, {"高于", Gt}, {"超过", Gt},
	{"=", Eq}, {"达到", Eq},
}

var suffixes = []struct {
	s string
	c Comparator
}{
	{"以上", Ge}, {"及以上", Ge}, {"以下", Le}, {"及以下", Le},
}

var (
	decreasing = []string{"逐年降低", "逐年下降", "逐年减少", "持续降低", "持续下降", "同比下降", "同比减少"}
	increasing = []string{"逐年提高", "逐年提升", "逐年增加", "逐年上升", "持续提高", "持续提升", "稳步提升", "同比增长", "同比提高"}
	negGrowth  = []string{"负增长"}
	noTarget   = map[string]bool{"": true, "/": true, "—": true, "——": true, "-": true, "无": true}
)

// Parse reads text. dir decides what a bare number means: "55" for an
// indicator where higher is better is a floor (≥55), where lower is
// better a ceiling (≤55), and otherwise an exact value.
func Parse(text string, dir Direction) Target {
	t := Target{Text: text, Comparator: Milestone}
	s := strings.TrimSpace(width.Narrow.String(text))
	s = strings.ReplaceAll(s, " ", "")
	if noTarget[s] {
		t.Comparator = None
		return t
	}
	s = strings.TrimSuffix(s, "%")
	if v, ok := number(s); ok {
		t.Value = &v
		switch dir {
		case Higher:
			t.Comparator = Ge
		case Lower:
			t.Comparator = Le
		default:
			t.Comparator = Eq
		}
		return t
	}
	for _, kw := range negGrowth {
		if strings.Contains(s, kw) {
			t.Comparator = NegativeGrowth
			return t
		}
	}
	for _, kw := range decreasing {
		if strings.Contains(s, kw) {
			t.Comparator = DecreaseYoY
			// "同比减少10%以上", "同比下降≥10": the least decrease, in percent.
			rest := strings.SplitN(s, kw, 2)[1]
			rest = strings.TrimSuffix(strings.TrimSuffix(rest, "以上"), "及")
			rest = strings.TrimSuffix(rest, "%")
			for _, p := range []string{"≥", ">=", "不少于", "至少", "超过"} {
				rest = strings.TrimPrefix(rest, p)
			}
			if v, ok := number(rest); ok {
				t.Value = &v
			}
			return t
		}
	}
	for _, kw := range increasing {
		if strings.Contains(s, kw) {
			t.Comparator = IncreaseYoY
			return t
		}
	}
	for _, p := range prefixes {
		if rest, ok := strings.CutPrefix(s, p.p); ok {
			rest = strings.TrimSuffix(rest, "%")
			if v, ok := number(rest); ok {
				t.Comparator, t.Value = p.c, &v
				return t
			}
			if reDate.MatchString(rest) {
				t.Comparator, t.Date = p.c, rest
				return t
			}
		}
	}
	for _, sf := range suffixes {
		if rest, ok := strings.CutSuffix(s, sf.s); ok {
			if v, ok := number(strings.TrimSuffix(rest, "%")); ok {
				t.Comparator, t.Value = sf.c, &v
				return t
			}
		}
	}
	return t
}

func number(s string) (float64, bool) {
	s = strings.ReplaceAll(s, ",", "")
	if !reNum.MatchString(s) {
		return 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	return v, err == nil
}
