package targets

import "testing"

func TestParse(t *testing.T) {
	f := func(v float64) *float64 { return &v }
	cases := []struct {
		text string
		dir  Direction
		cmp  Comparator
		val  *float64
		date string
	}{
		{"55", Higher, Ge, f(55), ""},
		{"52.59", Lower, Le, f(52.59), ""},
		{"3", Neutral, Eq, f(3), ""},
		{"100%", Higher, Ge, f(100), ""},
		{"<6", Lower, Lt, f(6), ""},
		{"＜6", Lower, Lt, f(6), ""},
		{"≥90", Higher, Ge, f(90), ""},
		{"≥ 90%", Higher, Ge, f(90), ""},
		{"≤0.5", Lower, Le, f(0.5), ""},
		{">80", Higher, Gt, f(80), ""},
		{"=1", Neutral, Eq, f(1), ""},
		{"不低于95", Higher, Ge, f(95), ""},
		{"30000以上", Higher, Ge, f(30000), ""},
		{"逐年降低", Lower, DecreaseYoY, nil, ""},
		{"同比下降≥10", Lower, DecreaseYoY, f(10), ""},
		{"同比减少10％以上", Lower, DecreaseYoY, f(10), ""},
		{"逐年提高", Higher, IncreaseYoY, nil, ""},
		{"使用量负增长", Lower, NegativeGrowth, nil, ""},
		{"≤2023-12-31", Lower, Le, nil, "2023-12-31"},
		{"/", Higher, None, nil, ""},
		{"—", Higher, None, nil, ""},
		{"", Higher, None, nil, ""},
		{"建成1个“无废园区”", Neutral, Milestone, nil, ""},
		{"完成", Neutral, Milestone, nil, ""},
	}
	for _, c := range cases {
		got := Parse(c.text, c.dir)
		if got.Comparator != c.cmp || got.Date != c.date || (got.Value == nil) != (c.val == nil) ||
			(got.Value != nil && *got.Value != *c.val) {
			gv := "nil"
			if got.Value != nil {
				gv = ftoa(*got.Value)
			}
			t.Errorf("Parse(%q, %s) = %s %s %q, want %s %v %q", c.text, c.dir, got.Comparator, gv, got.Date, c.cmp, c.val, c.date)
		}
		if got.Text != c.text {
			t.Errorf("Parse(%q) lost the original text: %q", c.text, got.Text)
		}
	}
}

func ftoa(v float64) string { return string(rune('0' + int(v)%10)) }
