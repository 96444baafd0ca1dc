package pipelines

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/width"
)

// missing are the ways office files say "no value". They become NULL, never
// zero: a department that could not measure is not a department that
// measured nothing.
var missing = map[string]bool{
	"": true, "—": true, "——": true, "-": true, "--": true, "/": true,
	"－": true, "无": true, "空": true, "n/a": true, "N/A": true, "NA": true, "null": true,
}

// normalize folds full-width characters (１２３，％) to their narrow
// forms and trims spaces, including the ideographic space.
func normalize(s string) string {
	if isASCII(s) {
		return strings.TrimSpace(s) // the common case, without allocating
	}
	s = width.Narrow.String(s)
	return strings.TrimSpace(strings.ReplaceAll(s, "\u00a0", " "))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// isMissing reports whether a cell says "no value".
func isMissing(raw string) bool {
	if len(raw) > 0 {
		switch c := raw[0]; {
		case c >= '0' && c <= '9':
			return false // a number, the common case
		case (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') && c != 'n' && c != 'N':
			return false // a code or a word: only n/a, NA and null say "none"
		}
	}
	return missing[normalize(raw)]
}

// parseNumber reads "1,234.5", "85%", " 12 " and full-width digits.
// A percent sign is dropped: percentages are stored in percent units, as
// the bulletin states its targets ("55" for 55 %).
func parseNumber(raw string) (float64, error) {
	if f, err := strconv.ParseFloat(raw, 64); err == nil && !math.IsNaN(f) && !math.IsInf(f, 0) {
		return f, nil // plain digits: no folding needed
	}
	s := normalize(raw)
	s = strings.ReplaceAll(s, ",", "")
	s = strings.ReplaceAll(s, " ", "")
	s = strings.TrimSuffix(s, "%")
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, because(fmt.Sprintf("expected a number, got %q", raw), fmt.Sprintf("应填数字，实际为“%s”", raw))
	}
	return f, nil
}

func parseInt(raw string) (int64, error) {
	f, err := parseNumber(raw)
	if err != nil {
		return 0, because(fmt.Sprintf("expected a whole number, got %q", raw), fmt.Sprintf("应填整数，实际为“%s”", raw))
	}
	if f != math.Trunc(f) || math.Abs(f) > 1<<53 {
		return 0, because(fmt.Sprintf("expected a whole number, got %q", raw), fmt.Sprintf("应填整数，实际为“%s”", raw))
	}
	return int64(f), nil
}

var (
	reYMD  = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$`)
	reYM   = regexp.MustCompile(`^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?(份)?$`)
	reYM6  = regexp.MustCompile(`^(\d{4})(\d{2})$`)
	serial = regexp.MustCompile(`^\d{1,6}(\.\d+)?$`)
)

// excelSerial converts an Excel serial date (days since 1899-12-30, the
// way .xlsx stores dates) to a time.
func excelSerial(s string) (time.Time, bool) {
	if !serial.MatchString(s) {
		return time.Time{}, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || f < 1 || f > 2958465 {
		return time.Time{}, false
	}
	t, err := excelize.ExcelDateToTime(f, false)
	return t, err == nil
}

// parseDate reads 2023-05-01, 2023/5/1, 2023年5月1日 or an Excel serial.
func parseDate(raw string) (time.Time, error) {
	if t, ok := fastDate(raw); ok {
		return t, nil
	}
	s := normalize(raw)
	if m := reYMD.FindStringSubmatch(s); m != nil {
		return ymd(m[1], m[2], m[3], raw)
	}
	if t, ok := excelSerial(s); ok {
		y, mo, d := t.Date()
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		y, mo, d := t.Date()
		return time.Date(y, mo, d, 0, 0, 0, 0, time.UTC), nil
	}
	return time.Time{}, because(fmt.Sprintf("expected a date like 2023-05-31, got %q", raw), fmt.Sprintf("应填日期（如2023-05-31），实际为“%s”", raw))
}

// parseMonth reads 2023-05, 2023/5, 2023年5月, 202305, a full date or an
// Excel serial, and returns the first day of that month.
func parseMonth(raw string) (time.Time, error) {
	s := normalize(raw)
	for _, re := range []*regexp.Regexp{reYM, reYM6} {
		if m := re.FindStringSubmatch(s); m != nil {
			return ymd(m[1], m[2], "1", raw)
		}
	}
	d, err := parseDate(raw)
	if err != nil {
		return time.Time{}, because(fmt.Sprintf("expected a month like 2023-05, got %q", raw), fmt.Sprintf("应填月份（如2023-05），实际为“%s”", raw))
	}
	return time.Date(d.Year(), d.Month(), 1, 0, 0, 0, 0, time.UTC), nil
}

func ymd(y, m, d, raw string) (time.Time, error) {
	yi, _ := strconv.Atoi(y)
	mi, _ := strconv.Atoi(m)
	di, _ := strconv.Atoi(d)
	t := time.Date(yi, time.Month(mi), di, 0, 0, 0, 0, time.UTC)
	if mi < 1 || mi > 12 || di < 1 || t.Day() != di {
		return time.Time{}, because(fmt.Sprintf("%q is not a calendar date", raw), fmt.Sprintf("“%s”不是有效日期", raw))
	}
	return t, nil
}

// parseTimestamp reads RFC 3339, "2006-01-02 15:04:05" in loc, or an Excel
// serial date-time in loc, and returns UTC.
func parseTimestamp(raw string, loc *time.Location) (time.Time, error) {
	if t, ok := fastTimestamp(raw, loc); ok {
		return t, nil
	}
	s := normalize(raw)
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	for _, layout := range []string{"2006-01-02 15:04:05", "2006-01-02 15:04", "2006/1/2 15:04:05", "2006/1/2 15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t.UTC(), nil
		}
	}
	if t, ok := excelSerial(s); ok {
		return time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc).UTC(), nil
	}
	return time.Time{}, because(fmt.Sprintf("expected a date-time like 2023-05-31 08:00:00, got %q", raw), fmt.Sprintf("应填时间（如2023-05-31 08:00:00），实际为“%s”", raw))
}

func parseBool(raw string) (bool, error) {
	switch strings.ToLower(normalize(raw)) {
	case "是", "true", "yes", "y", "1", "√":
		return true, nil
	case "否", "false", "no", "n", "0", "×":
		return false, nil
	}
	return false, because(fmt.Sprintf("expected 是 or 否, got %q", raw), fmt.Sprintf("应填“是”或“否”，实际为“%s”", raw))
}

// reason is what was wrong with a value, in English for the logs and the
// analysts and in Chinese for the department staff who must fix it.
type reason struct{ en, zh string }

func (r reason) Error() string { return r.en }

func because(en, zh string) error { return reason{en, zh} }

// zhOf returns the Chinese text of err when it has one.
func zhOf(err error) string {
	if r, ok := err.(reason); ok {
		return r.zh
	}
	return ""
}

// digits reads s[i:j] as a decimal number, or -1.
func digits(s string, i, j int) int {
	n := 0
	for ; i < j; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return -1
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// fastDate reads exactly YYYY-MM-DD, the shape loggers and templates write.
func fastDate(s string) (time.Time, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, m, d := digits(s, 0, 4), digits(s, 5, 7), digits(s, 8, 10)
	if y < 0 || m < 1 || m > 12 || d < 1 || d > 31 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	return t, t.Day() == d
}

// dayCache remembers where the last local date a timestamp column read
// begins: a logger file's thousands of rows share a handful of days, and
// the zone's rules need not be consulted for each of them.
type dayCache struct {
	date     string // "YYYY-MM-DD" as sent
	loc      *time.Location
	midnight int64 // Unix seconds of the date's local midnight
	steady   bool  // the zone's offset is the same all day (no DST switch)
}

// timestamp reads raw as parseTimestamp does, answering the common
// "YYYY-MM-DD hh:mm:ss" of a day already seen by adding seconds.
func (c *dayCache) timestamp(raw string, loc *time.Location) (time.Time, error) {
	if len(raw) == 19 && (raw[10] == ' ' || raw[10] == 'T') && raw[13] == ':' && raw[16] == ':' {
		hh, mm, ss := digits(raw, 11, 13), digits(raw, 14, 16), digits(raw, 17, 19)
		if hh >= 0 && hh <= 23 && mm >= 0 && mm <= 59 && ss >= 0 && ss <= 59 {
			if c.date != raw[:10] || c.loc != loc {
				c.remember(raw[:10], loc)
			}
			if c.steady {
				return time.Unix(c.midnight+int64(hh*3600+mm*60+ss), 0).UTC(), nil
			}
		}
	}
	return parseTimestamp(raw, loc)
}

func (c *dayCache) remember(date string, loc *time.Location) {
	c.date, c.loc, c.steady = date, loc, false
	d, ok := fastDate(date)
	if !ok {
		return
	}
	start := time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, loc)
	end := time.Date(d.Year(), d.Month(), d.Day(), 23, 59, 59, 0, loc)
	_, off0 := start.Zone()
	_, off1 := end.Zone()
	// A day the clocks change on is left to time.Date, hour by hour.
	c.midnight, c.steady = start.Unix(), off0 == off1 && end.Unix()-start.Unix() == 86399
}

// fastTimestamp reads "YYYY-MM-DD hh:mm:ss" (local) and RFC 3339 with a
// numeric offset or Z, the shapes sensors send, without time.Parse.
func fastTimestamp(s string, loc *time.Location) (time.Time, bool) {
	if len(s) < 19 || (s[10] != ' ' && s[10] != 'T') || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false
	}
	d, ok := fastDate(s[:10])
	if !ok {
		return time.Time{}, false
	}
	hh, mm, ss := digits(s, 11, 13), digits(s, 14, 16), digits(s, 17, 19)
	if hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60 {
		return time.Time{}, false
	}
	rest := s[19:]
	switch {
	case rest == "":
		return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, ss, 0, loc).UTC(), true
	case rest == "Z":
		return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, ss, 0, time.UTC), true
	case len(rest) == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':':
		oh, om := digits(rest, 1, 3), digits(rest, 4, 6)
		if oh < 0 || om < 0 {
			return time.Time{}, false
		}
		off := (oh*60 + om) * 60
		if rest[0] == '-' {
			off = -off
		}
		return time.Date(d.Year(), d.Month(), d.Day(), hh, mm, ss, 0, time.UTC).Add(-time.Duration(off) * time.Second), true
	}
	return time.Time{}, false
}
