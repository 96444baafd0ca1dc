package lake

import (
	"fmt"
	"testing"
)

// TestDictionaryGivesWay: a string column keeps its dictionary while
// values repeat, drops it after a first page of mostly distinct values
// (the rest of the row group is plain), and drops it when it would pass
// dictLimit; the next row group starts with a dictionary again.
func TestDictionaryGivesWay(t *testing.T) {
	for _, tc := range []struct {
		name     string
		value    func(i int) string
		rows     int
		fallback bool
		entries  int
	}{
		{"stations", func(i int) string { return fmt.Sprintf("GH-%03d", i%68) }, 3 * pageRows, false, 68},
		{"identifiers", func(i int) string { return fmt.Sprintf("C%06d", i) }, pageRows + 10, true, pageRows},
		{"free text", func(i int) string { return fmt.Sprintf("%06d %0200d", i, 0) }, 6000, true, dictLimit / 207},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newColumn(Column{Name: "s", Type: String}, -1)
			for i := 0; i < tc.rows; i++ {
				v := Str(tc.value(i))
				c.add(&v)
			}
			if c.fallback != tc.fallback || len(c.entries) != tc.entries {
				t.Errorf("after %d rows: fallback %v with %d entries, want %v with %d", tc.rows, c.fallback, len(c.entries), tc.fallback, tc.entries)
			}
			ch := c.finish()
			if ch.values != int64(tc.rows) || ch.dictPage == nil {
				t.Errorf("chunk of %d values, dictionary page %v", ch.values, ch.dictPage != nil)
			}
			v := Str("x")
			c.add(&v)
			if c.fallback || len(c.entries) != 1 {
				t.Errorf("the next row group starts with fallback %v and %d entries", c.fallback, len(c.entries))
			}
		})
	}
}
