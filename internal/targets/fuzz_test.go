package targets

import (
	"math"
	"testing"
)

// FuzzParse: any target text parses to a known comparator without a
// panic, keeps its text, and a parsed threshold is a finite number.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"55", "≥90", "＜6", "≥ 90%", "不低于95", "30000以上", "逐年降低", "同比减少10％以上", "使用量负增长",
		"≤2023-12-31", "2025年底前完成", "", "—", "1e400", "同比下降≥", "%", "≥-0", "达到1,000"} {
		f.Add(s, 0)
		f.Add(s, 1)
	}
	dirs := []Direction{Higher, Lower, Neutral}
	known := map[Comparator]bool{None: true, Eq: true, Le: true, Lt: true, Ge: true, Gt: true, DecreaseYoY: true, IncreaseYoY: true, NegativeGrowth: true, Milestone: true}
	f.Fuzz(func(t *testing.T, text string, d int) {
		dir := dirs[(d%3+3)%3]
		got := Parse(text, dir)
		if got.Text != text {
			t.Fatalf("text %q became %q", text, got.Text)
		}
		if !known[got.Comparator] {
			t.Fatalf("%q: comparator %q", text, got.Comparator)
		}
		if got.Value != nil && (math.IsNaN(*got.Value) || math.IsInf(*got.Value, 0)) {
			t.Fatalf("%q: value %v", text, *got.Value)
		}
	})
}
