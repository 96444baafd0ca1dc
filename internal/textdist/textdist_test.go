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
