package pipelines

import (
	"fmt"
	"testing"
	"time"

	"github.com/waymark-data/waymark/internal/lake"
)

func TestParseNumber(t *testing.T) {
	cases := []struct {
		in   string
		want float64
		ok   bool
	}{
		{"52.59", 52.59, true},
		{"42,000.5", 42000.5, true},
		{"２１０００", 21000, true},
		{"１２，３４５．６", 12345.6, true},
		{" 28800 ", 28800, true},
		{"85%", 85, true},
		{"８５％", 85, true},
		{"-3", -3, true},
		{"约四万", 0, false},
		{"12吨", 0, false},
		{"NaN", 0, false},
	}
	for _, c := range cases {
		got, err := parseNumber(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parseNumber(%q) = %v, %v; want %v ok=%v", c.in, got, err, c.want, c.ok)
		}
	}
}

func TestParseMonthAndDate(t *testing.T) {
	may := time.Date(2023, 5, 1, 0, 0, 0, 0, time.UTC)
	for _, in := range []string{"2023-05", "2023/5", "2023年5月", "2023年05月份", "202305", "2023-05-17", "45047", "２０２３－０５"} {
		got, err := parseMonth(in)
		if err != nil || !got.Equal(may) {
			t.Errorf("parseMonth(%q) = %v, %v; want 2023-05-01", in, got, err)
		}
	}
	for _, in := range []string{"2023-13", "五月", "2023-02-30"} {
		if _, err := parseMonth(in); err == nil {
			t.Errorf("parseMonth(%q) accepted a non-month", in)
		}
	}
	d, err := parseDate("45077") // Excel serial for 2023-05-31
	if err != nil || d.Format("2006-01-02") != "2023-05-31" {
		t.Errorf("parseDate(serial) = %v, %v", d, err)
	}
	d, err = parseDate("2023年5月31日")
	if err != nil || d.Format("2006-01-02") != "2023-05-31" {
		t.Errorf("parseDate(chinese) = %v, %v", d, err)
	}
}

func TestParseTimestamp(t *testing.T) {
	sh, _ := time.LoadLocation("Asia/Shanghai")
	got, err := parseTimestamp("2023-07-01 08:00:00", sh)
	if err != nil || !got.Equal(time.Date(2023, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("local time not converted to UTC: %v %v", got, err)
	}
	got, err = parseTimestamp("2023-07-01T00:00:00Z", sh)
	if err != nil || got.Hour() != 0 {
		t.Errorf("RFC 3339: %v %v", got, err)
	}
}

// TestDayCacheAgreesWithTimeDate reads local timestamps through the day
// cache and through time.Date, including the days a zone with summer time
// changes its clocks, and over many days in a row.
func TestDayCacheAgreesWithTimeDate(t *testing.T) {
	for _, zone := range []string{"Asia/Shanghai", "Europe/Berlin", "America/New_York", "UTC"} {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			t.Fatal(err)
		}
		var c dayCache
		start := time.Date(2023, 3, 10, 0, 0, 0, 0, time.UTC)
		for h := 0; h < 24*300; h += 1 {
			wall := start.Add(time.Duration(h)*time.Hour + time.Duration(h%60)*time.Minute + time.Duration(h%59)*time.Second)
			raw := wall.Format("2006-01-02 15:04:05")
			got, err := c.timestamp(raw, loc)
			if err != nil {
				t.Fatalf("%s %s: %v", zone, raw, err)
			}
			want := time.Date(wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute(), wall.Second(), 0, loc)
			if !got.Equal(want) {
				t.Fatalf("%s %s: got %s, want %s", zone, raw, got, want.UTC())
			}
		}
	}
	var c dayCache
	for _, bad := range []string{"2023-02-30 10:00:00", "2023-13-01 00:00:00", "2023-01-01 24:00:00"} {
		if _, err := c.timestamp(bad, time.UTC); err == nil {
			t.Errorf("%s: read as a time", bad)
		}
	}
}

// The validator's memory of recent cells holds the last four, oldest out
// first, and never answers for a cell it was not given.
func TestRecentCells(t *testing.T) {
	var c recentCells
	if c.find("") >= 0 {
		t.Fatal("an empty memory answered for the empty cell")
	}
	for i, raw := range []string{"GH-001-RG", "GH-001-GNSS", "GH-001-CR", "GH-001-T", "GH-001-H"} {
		c.put(raw, lake.Int(int64(i)))
	}
	for i, raw := range []string{"GH-001-RG", "GH-001-GNSS", "GH-001-CR", "GH-001-T", "GH-001-H"} {
		k := c.find(raw)
		if want := i > 0; (k >= 0) != want || k >= 0 && c.val[k].I != int64(i) {
			t.Errorf("%s: slot %d, want held %v with %d", raw, k, want, i)
		}
	}
}

// TestRecentCellsRestOnColumnsThatDoNotRepeat: a column of distinct cells
// (timestamps) stops being looked up after a window without hits, and is
// tried again after the rest; a column cycling through a few cells keeps
// its memory.
func TestRecentCellsRestOnColumnsThatDoNotRepeat(t *testing.T) {
	var times, units recentCells
	var last string // the last cell held before the rest
	var lastI int
	for i := 0; i < recentWindow; i++ {
		raw := fmt.Sprintf("2023-01-01 00:%02d:%02d", i/60%60, i%60)
		if times.find(raw) < 0 {
			if times.rest == 0 {
				last, lastI = raw, i
			}
			times.put(raw, lake.Int(int64(i)))
		}
		u := []string{"mm", "℃", "%"}[i%3]
		if units.find(u) < 0 {
			units.put(u, lake.Str(u))
		}
	}
	if times.rest != recentRest || units.rest != 0 {
		t.Fatalf("after a window: timestamps rest %d, units %d; want %d and 0", times.rest, units.rest, recentRest)
	}
	times.put("held while resting?", lake.Int(-1))
	if times.find("held while resting?") >= 0 {
		t.Error("a resting memory kept a cell")
	}
	for i := 1; i < recentRest; i++ {
		times.find(last)
	}
	if k := times.find(last); k < 0 || times.val[k].I != int64(lastI) {
		// The memory is back, with the cells it held before resting (their
		// verdicts have not changed).
		t.Errorf("after the rest: slot %d, want %s's value %d", k, last, lastI)
	}
}
