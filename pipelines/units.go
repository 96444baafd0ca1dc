package pipelines

import (
	"regexp"
	"strings"
)

// unitScale gives each unit's size in a base unit of its kind, so that a
// column sent in 千克 or 万吨 can be converted to the contract's 吨.
var unitScale = map[string]struct {
	kind  string
	scale float64
}{
	"克": {"mass", 1e-6}, "千克": {"mass", 1e-3}, "公斤": {"mass", 1e-3}, "kg": {"mass", 1e-3},
	"吨": {"mass", 1}, "t": {"mass", 1}, "万吨": {"mass", 1e4},
	"元": {"money", 1}, "千元": {"money", 1e3}, "万元": {"money", 1e4}, "亿元": {"money", 1e8},
	"mm": {"length", 1e-3}, "毫米": {"length", 1e-3}, "cm": {"length", 1e-2}, "厘米": {"length", 1e-2},
	"m": {"length", 1}, "米": {"length", 1},
}

// reHeaderUnit finds the unit a header states: "产生量（吨）", "产生量(千克)",
// "产生量/吨".
var reHeaderUnit = regexp.MustCompile(`(?:\(([^()]+)\)|/([^/()]+))$`)

// headerUnit returns the unit written in a header cell, if any.
func headerUnit(cell string) string {
	s := strings.ReplaceAll(normalize(cell), " ", "")
	m := reHeaderUnit.FindStringSubmatch(s)
	if m == nil {
		return ""
	}
	u := m[1] + m[2]
	u = strings.TrimPrefix(strings.TrimPrefix(u, "单位:"), "单位：")
	return strings.TrimSpace(u)
}

// convert returns the factor turning values in unit from into unit to, and
// whether the two are of one kind.
func convert(from, to string) (float64, bool) {
	if from == to {
		return 1, true
	}
	a, okA := unitScale[from]
	b, okB := unitScale[to]
	if !okA || !okB || a.kind != b.kind {
		return 0, false
	}
	return a.scale / b.scale, true
}
