package textdist

import "testing"

func TestNearest(t *testing.T) {
	models := []string{"mart_scorecard", "mart_trajectory", "stg_indicators"}
	for _, c := range []struct{ s, want string }{
		{"mart_scorecrd", "mart_scorecard"},
		{"mart_trajectroy", "mart_trajectory"},
		{"stg_indicator", "stg_indicators"},
		{"no_such_thing_at_all", ""}, // too far to be what was meant
		{"", ""},
	} {
		if got := Nearest(c.s, models); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.s, got, c.want)
		}
	}
}

// Chinese names are measured in characters: one wrong character is a
// typo, a different department is not (half of a five-character name's
// 15 bytes would have let any department through).
func TestNearestChineseNames(t *testing.T) {
	depts := []string{"旗生态环境局", "旗工信局", "旗发改委", "旗教育局"}
	for _, c := range []struct{ s, want string }{
		{"旗生态环竟局", "旗生态环境局"},
		{"旗工信", "旗工信局"},
		{"旗不存在局", ""},
		{"市财政局", ""},
	} {
		if got := Nearest(c.s, depts); got != c.want {
			t.Errorf("Nearest(%q) = %q, want %q", c.s, got, c.want)
		}
	}
}
