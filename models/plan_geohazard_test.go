package models

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// Tests of 伊政办发〔2023〕33号's models (int_gh_*, int_grain_geohazard,
// mart_gh_*): known readings and inspection records in, known figures out.

var shanghaiZone = func() *time.Location {
	l, err := time.LoadLocation("Asia/Shanghai")
	if err != nil {
		panic(err)
	}
	return l
}()

// local parses "2006-01-02 15:04[:05]" in Beijing time.
func local(s string) time.Time {
	layout := "2006-01-02 15:04"
	if len(s) > len(layout) {
		layout += ":05"
	}
	t, err := time.ParseInLocation(layout, s, shanghaiZone)
	if err != nil {
		panic(err)
	}
	return t
}

// readings builds sensor_readings rows for buildGiven. Every reading is
// handed over at the end of 2023 unless it says otherwise.
type readings struct{ b strings.Builder }

func (r *readings) add(station, channel string, at time.Time, value float64, opts ...string) {
	if r.b.Len() == 0 {
		r.b.WriteString("station_id,sensor_id,channel,ts,value,unit,_submitted_at,_checksum\n")
	}
	unit, submitted, checksum := "mm", "2023-12-31 00:00:00+08", "given"
	for _, o := range opts {
		k, v, _ := strings.Cut(o, "=")
		switch k {
		case "unit":
			unit = v
		case "submitted":
			submitted = v
		case "checksum":
			checksum = v
		}
	}
	fmt.Fprintf(&r.b, "%s,%s-%s,%s,%s,%g,%s,%s,%s\n", station, station, channel[:2], channel,
		at.Format("2006-01-02 15:04:05-07:00"), value, unit, submitted, checksum)
}

// hourly adds a reading every hour from first (inclusive), values[i] at first + i hours.
func (r *readings) hourly(station, channel string, first time.Time, values []float64) {
	for i, v := range values {
		r.add(station, channel, first.Add(time.Duration(i)*time.Hour), v)
	}
}

func series(n int, f func(i int) float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = f(i)
	}
	return out
}

// geohazardFixture: rain gauges with a July storm, a logger on UTC, a
// faulty displacement gauge, a stuck rain gauge, resends and double writes,
// a clock running ahead, an unknown station; and inspection records that
// meet and break the 4-hour and 2-hour rules.
func geohazardFixture() map[string]string {
	var r readings
	// Three gauges see five showers (10:00–14:00, 1-2-3-2-1 mm) on 1–5 July;
	// GH-004's logger runs on UTC, so it stamps the same showers 8 h early.
	shower := func(i int) float64 { // i: hours after 01:00 on 1 July
		h := (i + 1) % 24 // hour the reading is stamped at
		return map[int]float64{11: 1, 12: 2, 13: 3, 14: 2, 15: 1}[h] * b2f(i < 5*24)
	}
	first := local("2023-07-01 01:00")
	for _, g := range []string{"GH-001", "GH-002", "GH-003"} {
		for i := 0; i < 5*24; i++ {
			if g == "GH-002" && i >= 48 && i < 51 { // three hours missing on 3 July
				continue
			}
			r.add(g, "rainfall_mm", first.Add(time.Duration(i)*time.Hour), shower(i))
		}
	}
	for i := 0; i < 5*24; i++ {
		r.add("GH-004", "rainfall_mm", first.Add(time.Duration(i-8)*time.Hour), shower(i))
		r.add("GH-004", "displacement_mm", first.Add(time.Duration(i-8)*time.Hour), 1+0.01*float64(i))
	}

	// GH-022: 5 mm on the 16th, then the storm of the 18th; the ground
	// moves 0.01 mm an hour, 1.5 mm more an hour from 14:00 on the 18th.
	storm := map[string]float64{"2023-07-16 10:00": 5, "2023-07-18 14:00": 10, "2023-07-18 15:00": 20, "2023-07-18 16:00": 30,
		"2023-07-18 17:00": 25, "2023-07-18 18:00": 10, "2023-07-18 19:00": 5, "2023-07-18 20:00": 3, "2023-07-18 21:00": 2}
	s0 := local("2023-07-15 01:00")
	extra := 0.0
	for i := 0; i < 96; i++ {
		at := s0.Add(time.Duration(i) * time.Hour)
		r.add("GH-022", "rainfall_mm", at, storm[at.Format("2006-01-02 15:04")])
		if !at.Before(local("2023-07-18 14:00")) && !at.After(local("2023-07-18 21:00")) {
			extra += 1.5
		}
		r.add("GH-022", "displacement_mm", at, 10+0.01*float64(i)+extra)
	}

	// GH-040's displacement gauge: a spike, an error code, a reading in the
	// wrong unit, then stuck at 7.77 for 49 hours, then 8.88 for 47 hours
	// (not long enough to count as stuck).
	f0 := local("2023-08-01 01:00")
	r.hourly("GH-040", "displacement_mm", f0, []float64{5.00, 5.01, 50.00, 5.02, 5.03, -999})
	r.add("GH-040", "displacement_mm", f0.Add(6*time.Hour), 5.04, "unit=ppm")
	r.add("GH-040", "displacement_mm", f0.Add(7*time.Hour), 5.05)
	r.hourly("GH-040", "displacement_mm", f0.Add(8*time.Hour), series(50, func(int) float64 { return 7.77 }))
	r.hourly("GH-040", "displacement_mm", f0.Add(58*time.Hour), []float64{5.10})
	r.hourly("GH-040", "displacement_mm", f0.Add(59*time.Hour), series(48, func(int) float64 { return 8.88 }))
	r.hourly("GH-040", "displacement_mm", f0.Add(107*time.Hour), []float64{9.00})

	// GH-045's rain gauge repeats 1.0 mm for 7 readings (6 hours: stuck)
	// and 0.5 mm for 6 readings (5 hours: not stuck); zeros are dry hours.
	r.hourly("GH-045", "rainfall_mm", local("2023-08-10 01:00"),
		[]float64{0, 0, 1, 1, 1, 1, 1, 1, 1, 0, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})

	// GH-050: a reading resent a day later, a double write 20 s apart, and
	// an error code written just before the good reading of its slot.
	r.add("GH-050", "displacement_mm", local("2023-08-05 10:00"), 3.00, "submitted=2023-08-06 10:00:00+08", "checksum=a")
	r.add("GH-050", "displacement_mm", local("2023-08-05 10:00"), 3.00, "submitted=2023-08-07 10:00:00+08", "checksum=b")
	r.add("GH-050", "displacement_mm", local("2023-08-05 11:00:00"), 3.01)
	r.add("GH-050", "displacement_mm", local("2023-08-05 11:00:20"), 3.01)
	r.add("GH-050", "displacement_mm", local("2023-08-05 12:00:00"), -999)
	r.add("GH-050", "displacement_mm", local("2023-08-05 12:00:10"), 3.02)
	r.add("GH-050", "displacement_mm", local("2023-08-05 13:00:00"), 3.03)

	// GH-051's clock ran ahead: a reading stamped after it was handed over.
	r.add("GH-051", "rainfall_mm", local("2023-09-01 10:00"), 0.4, "submitted=2023-08-20 10:00:00+08")
	// A station the registry does not know.
	r.add("GH-099", "rainfall_mm", local("2023-08-01 10:00"), 0.2)

	insp := "site_id,department,inspection_date,inspector,finding,warning_level,observed_at,reported_at,remarks,_submitted_at,_checksum\n" +
		// a red danger reported after 3.5 h: the 2-hour rule is broken
		"GH-022,旗自然资源局,2023-07-18,应急调查组,发现险情,红色,2023-07-18 21:40:00+08,2023-07-19 01:10:00+08,,2023-08-02 16:00:00+08,i1\n" +
		// a small collapse reported after 2.75 h: within 4 hours
		"GH-033,旗自然资源局,2023-07-19,应急调查组,发生灾情,黄色,2023-07-19 06:20:00+08,2023-07-19 09:05:00+08,,2023-08-02 16:00:00+08,i1\n" +
		// a collapse reported after 5.5 h: the 4-hour rule is broken
		"GH-060,旗自然资源局,2023-08-09,应急调查组,发生灾情,黄色,2023-08-09 15:00:00+08,2023-08-09 20:30:00+08,,2023-09-02 16:00:00+08,i2\n" +
		// an orange danger reported after exactly 2 h: meets ≤2
		"GH-006,旗自然资源局,2023-07-08,巡查员06,发现险情,橙色,2023-07-08 13:00:00+08,2023-07-08 15:00:00+08,,2023-08-02 16:00:00+08,i1\n" +
		// an orange disaster after 3 h: meets the 4-hour rule, breaks the 2-hour one
		"GH-061,旗自然资源局,2023-08-12,应急调查组,发生灾情,橙色,2023-08-12 10:00:00+08,2023-08-12 13:00:00+08,,2023-09-02 16:00:00+08,i2\n" +
		// a yellow danger after 6 h: 33号 asks only for 及时, no hour limit
		"GH-007,旗自然资源局,2023-07-09,巡查员07,发现险情,黄色,2023-07-09 08:47:00+08,2023-07-09 14:47:00+08,,2023-08-02 16:00:00+08,i1\n" +
		// reported before it was observed: the record needs correcting
		"GH-009,旗自然资源局,2023-07-11,巡查员09,发现险情,橙色,2023-07-11 12:00:00+08,2023-07-11 11:00:00+08,,2023-08-02 16:00:00+08,i1\n" +
		// a red danger never reported
		"GH-010,旗自然资源局,2023-07-12,巡查员10,发现险情,红色,2023-07-12 09:00:00+08,,,2023-08-02 16:00:00+08,i1\n" +
		// reported after 5 h, corrected three days later to 1 h
		"GH-011,旗自然资源局,2023-07-13,巡查员11,发现险情,橙色,2023-07-13 10:00:00+08,2023-07-13 15:00:00+08,,2023-08-02 16:00:00+08,i1\n" +
		"GH-011,旗自然资源局,2023-07-13,巡查员11,发现险情,橙色,2023-07-13 10:00:00+08,2023-07-13 11:00:00+08,更正,2023-08-05 16:00:00+08,i3\n" +
		// deformation found in April, outside the key prevention period
		"GH-001,旗自然资源局,2023-04-20,巡查员01,发现变形迹象,无,2023-04-20 10:00:00+08,2023-04-20 18:00:00+08,,2023-05-02 16:00:00+08,i0\n" +
		// a routine inspection in May
		"GH-001,旗自然资源局,2023-05-03,巡查员01,无异常,无,,,,2023-06-02 16:00:00+08,i0\n"
	return map[string]string{"sensor_readings": r.b.String(), "gh_inspections": insp}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

func TestGeohazardSensors(t *testing.T) {
	db := buildGiven(t, geohazardFixture())

	t.Run("quality flags", func(t *testing.T) {
		cases := []struct {
			site, channel, ts string
			value             string // "" when any value of that time
			want, reason      string
		}{
			{"GH-040", "displacement_mm", "2023-08-01 03:00", "50", "spike", "between 5.01 and 5.02"},
			{"GH-040", "displacement_mm", "2023-08-01 02:00", "", "ok", ""},
			{"GH-040", "displacement_mm", "2023-08-01 06:00", "", "out_of_range", "outside -500.0..500.0"},
			{"GH-040", "displacement_mm", "2023-08-01 07:00", "", "out_of_range", "unit ppm"},
			{"GH-040", "displacement_mm", "2023-08-01 09:00", "", "ok", ""}, // the first reading of the stuck run is real
			{"GH-040", "displacement_mm", "2023-08-01 10:00", "", "stuck", "7.77 unchanged from 2023-08-01 09:00 to 2023-08-03 10:00"},
			{"GH-040", "displacement_mm", "2023-08-03 10:00", "", "stuck", ""},
			{"GH-040", "displacement_mm", "2023-08-04 10:00", "", "ok", ""}, // 8.88 for 47 hours only
			{"GH-045", "rainfall_mm", "2023-08-10 03:00", "", "ok", ""},
			{"GH-045", "rainfall_mm", "2023-08-10 09:00", "", "stuck", "1.0 unchanged"},
			{"GH-045", "rainfall_mm", "2023-08-10 16:00", "", "ok", ""}, // 0.5 for 5 hours
			{"GH-045", "rainfall_mm", "2023-08-10 22:00", "", "ok", ""}, // zeros are a dry spell
			{"GH-050", "displacement_mm", "2023-08-05 11:00:20", "", "duplicate", "a second reading for the slot ending 2023-08-05 11:00"},
			{"GH-050", "displacement_mm", "2023-08-05 11:00", "", "ok", ""},
			{"GH-050", "displacement_mm", "2023-08-05 12:00", "", "duplicate", ""}, // the error code loses its slot to the good reading
			{"GH-050", "displacement_mm", "2023-08-05 12:00:10", "", "ok", ""},
			{"GH-051", "rainfall_mm", "2023-09-01 10:00", "", "time_shifted", "after it was handed over"},
			{"GH-004", "rainfall_mm", "2023-07-01 03:00", "", "time_shifted", "logger clock 8 h behind"},
			{"GH-004", "displacement_mm", "2023-07-01 03:00", "", "time_shifted", "logger clock 8 h behind"},
			{"GH-001", "rainfall_mm", "2023-07-01 12:00", "", "ok", ""},
			{"GH-099", "rainfall_mm", "2023-08-01 10:00", "", "unknown_site", "not in the hazard-site registry"},
		}
		for _, c := range cases {
			q := `SELECT quality_flag, coalesce(quality_reason, '') AS reason, is_valid FROM int_gh_readings_clean
				WHERE site_id = ? AND channel = ? AND ts = ?::TIMESTAMPTZ AND is_latest`
			args := []any{c.site, c.channel, local(c.ts).Format(time.RFC3339)}
			if c.value != "" {
				q += " AND value = ?"
				args = append(args, c.value)
			}
			got := queryMaps(t, db, q, args...)
			if len(got) != 1 || got[0]["quality_flag"] != c.want || !strings.Contains(got[0]["reason"], c.reason) ||
				(got[0]["is_valid"] == "true") != (c.want == "ok") {
				t.Errorf("%s %s %s: got %v, want %s (%q)", c.site, c.channel, c.ts, got, c.want, c.reason)
			}
		}
		// The resent reading: the earlier delivery is the duplicate, the later one counts.
		got := queryMaps(t, db, `SELECT revision, quality_flag FROM int_gh_readings_clean
			WHERE site_id = 'GH-050' AND ts = ?::TIMESTAMPTZ ORDER BY revision`, local("2023-08-05 10:00").Format(time.RFC3339))
		if fmt.Sprint(got) != "[map[quality_flag:ok revision:1] map[quality_flag:duplicate revision:2]]" {
			t.Errorf("resent reading: %v", got)
		}
		// Counts of the faulty gauge: 49 stuck readings, nothing of the 47-hour run.
		got = queryMaps(t, db, `SELECT quality_flag, count(*) AS n FROM int_gh_readings_clean
			WHERE site_id = 'GH-040' GROUP BY ALL ORDER BY quality_flag`)
		if fmt.Sprint(got) != "[map[n:56 quality_flag:ok] map[n:2 quality_flag:out_of_range] map[n:1 quality_flag:spike] map[n:49 quality_flag:stuck]]" {
			t.Errorf("GH-040 flags: %v", got)
		}
	})

	t.Run("stored in station order", func(t *testing.T) {
		// The reading tables are written in site, channel and time order
		// (a window or join leaves them as its threads finish): a
		// station's rows sit together, so the file is a quarter smaller
		// and a query for one station skips the rest.
		for table, key := range map[string]string{
			"stg_sensor_readings":      "station_id, channel, ts",
			"int_gh_readings_clean":    "site_id, channel, ts",
			"int_gh_site_hourly":       "site_id, hour_end",
			"mart_dash_gh_site_hourly": "site_id, hour",
		} {
			got := queryMaps(t, db, fmt.Sprintf(`SELECT count(*) AS n, (SELECT count(*) FROM %[1]s) AS rows FROM (
					SELECT row(%[2]s) AS k, lag(row(%[2]s)) OVER (ORDER BY rowid) AS before FROM %[1]s) WHERE k < before`, table, key))
			if len(got) != 1 || got[0]["n"] != "0" || got[0]["rows"] == "0" {
				t.Errorf("%s: %v rows out of (%s) order", table, got, key)
			}
		}
	})

	t.Run("hourly rain, rates and warning level", func(t *testing.T) {
		cases := []struct {
			hour                                        string
			rain1, rain24, rain72, rate, level, trigger string
		}{
			// 10 mm: blue on the 1-hour rain
			{"2023-07-18 14:00", "10", "10", "15", "1.74", "blue", "rainfall_mm 1h 10.0/10.0"},
			// 30 mm in the hour (orange, the boundary meets), 60 in 24 h (yellow), 65 in 72 h (blue)
			{"2023-07-18 16:00", "30", "60", "65", "4.74", "orange", "rainfall_mm 1h 30.0/30.0"},
			// 105 mm in 24 h: red; the ground has moved 12 + 0.24 mm in 24 h (orange)
			{"2023-07-18 21:00", "2", "105", "110", "12.24", "red", "rainfall_mm 24h 105.0/100.0"},
			// before the storm: 5 mm in 72 h, nothing
			{"2023-07-18 13:00", "0", "0", "5", "0.24", "none", "/"},
		}
		for _, c := range cases {
			got := queryMaps(t, db, `SELECT round(rain_1h, 2) AS r1, round(rain_24h, 2) AS r24, round(rain_72h, 2) AS r72,
					round(displacement_rate_mm_d, 2) AS rate, warning_level,
					coalesce(trigger_channel || ' ' || trigger_window || ' ' || trigger_value, '') || '/' || coalesce(CAST(trigger_threshold AS VARCHAR), '') AS trig,
					rain_hours_24h, triggers
				FROM int_gh_site_hourly WHERE site_id = 'GH-022' AND hour_end = ?::TIMESTAMPTZ`, local(c.hour).Format(time.RFC3339))
			if len(got) != 1 {
				t.Fatalf("%s: %v", c.hour, got)
			}
			g := got[0]
			if g["r1"] != c.rain1 || g["r24"] != c.rain24 || g["r72"] != c.rain72 || g["rate"] != c.rate ||
				g["warning_level"] != c.level || g["trig"] != c.trigger || g["rain_hours_24h"] != "24" {
				t.Errorf("%s: got %v, want 1h %s 24h %s 72h %s rate %s %s %s", c.hour, g, c.rain1, c.rain24, c.rain72, c.rate, c.level, c.trigger)
			}
		}
		got := queryMaps(t, db, `SELECT triggers FROM int_gh_site_hourly WHERE site_id = 'GH-022' AND hour_end = ?::TIMESTAMPTZ`,
			local("2023-07-18 16:00").Format(time.RFC3339))
		if want := "rainfall_mm 1h 30.0 ≥ orange 30.0; rainfall_mm 24h 60.0 ≥ yellow 50.0; " +
			"displacement_mm 24h 4.74 ≥ blue 2.0; rainfall_mm 72h 65.0 ≥ blue 50.0"; got[0]["triggers"] != want {
			t.Errorf("triggers %q, want %q", got[0]["triggers"], want)
		}
		// Flagged readings never reach the figures: GH-040's spike and error
		// code hours have no level; GH-004's shifted readings are nobody's hour.
		for _, h := range []string{"2023-08-01 03:00", "2023-08-01 06:00", "2023-08-02 09:00"} {
			got := queryMaps(t, db, `SELECT readings, valid_readings, coalesce(CAST(displacement_mm AS VARCHAR), '') AS level
				FROM int_gh_site_hourly WHERE site_id = 'GH-040' AND hour_end = ?::TIMESTAMPTZ`, local(h).Format(time.RFC3339))
			if fmt.Sprint(got) != "[map[level: readings:1 valid_readings:0]]" {
				t.Errorf("GH-040 at %s: %v, want its flagged reading counted and not used", h, got)
			}
		}
		got = queryMaps(t, db, `SELECT count(*) AS n FROM int_gh_site_hourly WHERE site_id = 'GH-004'`)
		if got[0]["n"] != "0" {
			t.Errorf("GH-004's time-shifted readings made %v hours", got)
		}
	})

	t.Run("a collapse site's own 1-hour thresholds", func(t *testing.T) {
		got := queryMaps(t, db, `SELECT site_id, blue, yellow, orange, red, overridden FROM int_gh_thresholds
			WHERE channel = 'rainfall_mm' AND "window" = '1h' AND site_id IN ('GH-012', 'GH-022') ORDER BY site_id`)
		if fmt.Sprint(got) != "[map[blue:8 orange:25 overridden:true red:40 site_id:GH-012 yellow:15] map[blue:10 orange:30 overridden:false red:50 site_id:GH-022 yellow:20]]" {
			t.Errorf("thresholds: %v", got)
		}
	})

	t.Run("completeness", func(t *testing.T) {
		cases := []struct{ site, channel, day, want string }{
			{"GH-001", "rainfall_mm", "2023-07-02", "24/24/24/100.0"},
			{"GH-002", "rainfall_mm", "2023-07-03", "24/21/21/87.5"},
			{"GH-001", "displacement_mm", "2023-07-02", "24/0/0/0.0"},    // owed, never delivered
			{"GH-004", "rainfall_mm", "2023-07-02", "24/0/0/0.0"},        // delivered, but on the wrong clock
			{"GH-045", "crack_mm", "2023-08-10", "24/0/0/0.0"},           // a collapse site owes a crack meter
			{"GH-040", "displacement_mm", "2023-08-01", "24/24/6/100.0"}, // flagged readings arrived, 6 were usable
		}
		for _, c := range cases {
			got := queryMaps(t, db, `SELECT expected || '/' || received || '/' || valid || '/' || completeness_pct AS v, time_shifted
				FROM mart_gh_completeness WHERE site_id = ? AND channel = ? AND day = ?::DATE`, c.site, c.channel, c.day)
			if len(got) != 1 || got[0]["v"] != c.want {
				t.Errorf("%s %s %s: %v, want expected/received/valid/%% %s", c.site, c.channel, c.day, got, c.want)
			}
		}
		got := queryMaps(t, db, `SELECT count(*) AS n FROM mart_gh_completeness WHERE site_id = 'GH-001' AND channel = 'crack_mm'`)
		if got[0]["n"] != "0" {
			t.Errorf("a subsidence site owes no crack meter: %v", got)
		}
	})

	t.Run("reports against the 4-hour and 2-hour rules", func(t *testing.T) {
		got := queryMaps(t, db, `SELECT g.indicator_id, g.period_key, printf('%.2f', g.actual) AS actual,
				target_status(g.actual, t.comparator, t.value, NULL) AS status, g.detail
			FROM int_grain_geohazard g
			JOIN stg_targets t ON t.indicator_id = g.indicator_id AND t.kind = 'target' AND t.year = g.year
			WHERE g.indicator_id IN ('gh-25', 'gh-26') ORDER BY g.indicator_id, g.period_key`)
		want := []string{
			"gh-25 GH-033 2023-07-19 应急调查组 2.75 met",
			"gh-25 GH-060 2023-08-09 应急调查组 5.50 not_met",
			"gh-25 GH-061 2023-08-12 应急调查组 3.00 met",
			"gh-26 GH-006 2023-07-08 巡查员06 2.00 met",
			"gh-26 GH-009 2023-07-11 巡查员09  not_evaluable",
			"gh-26 GH-010 2023-07-12 巡查员10 * not_met",
			"gh-26 GH-011 2023-07-13 巡查员11 1.00 met",
			"gh-26 GH-022 2023-07-18 应急调查组 3.50 not_met",
			"gh-26 GH-061 2023-08-12 应急调查组 3.00 not_met",
		}
		if len(got) != len(want) {
			t.Fatalf("grain rows %v, want %d", got, len(want))
		}
		for i, g := range got {
			line := g["indicator_id"] + " " + g["period_key"] + " " + g["actual"] + " " + g["status"]
			if strings.Contains(want[i], "*") {
				line = g["indicator_id"] + " " + g["period_key"] + " * " + g["status"]
			}
			if line != want[i] {
				t.Errorf("row %d: %q (%s), want %q", i, line, g["detail"], want[i])
			}
		}
		for _, c := range []struct{ key, detail string }{
			{"GH-009 2023-07-11 巡查员09", "reported_at is before observed_at"},
			{"GH-010 2023-07-12 巡查员10", "not reported"},
		} {
			got := queryMaps(t, db, `SELECT detail FROM int_grain_geohazard WHERE period_key = ?`, c.key)
			if len(got) != 1 || !strings.Contains(got[0]["detail"], c.detail) {
				t.Errorf("%s: %v, want detail with %q", c.key, got, c.detail)
			}
		}
	})

	t.Run("alerts", func(t *testing.T) {
		got := queryMaps(t, db, `SELECT alert_id, source, level, in_key_period, coalesce(report_rule, '-') AS rule,
				coalesce(report_status, '-') AS status, coalesce(CAST(hours_to_report AS VARCHAR), '-') AS hours, zone_code
			FROM mart_gh_alerts ORDER BY started_at, source`)
		want := map[string]string{
			"GH-001 2023-04-20 巡查员01": "inspection none false - no_hour_limit 8.0 B1",
			"GH-006 2023-07-08 巡查员06": "inspection orange true ≤2 met 2.0 B1",
			"GH-007 2023-07-09 巡查员07": "inspection yellow true - no_hour_limit 6.0 B1",
			"GH-061 2023-08-12 应急调查组": "inspection orange true ≤2 not_met 3.0 C2",
			"GH-033 2023-07-19 应急调查组": "inspection yellow true ≤4 met 2.75 B2",
			"GH-022@2023-07-18T13:00": "sensors red true ≤2 not_met 3.5 B2",
		}
		seen := 0
		for _, g := range got {
			w, ok := want[g["alert_id"]]
			if !ok {
				continue
			}
			seen++
			if line := strings.Join([]string{g["source"], g["level"], g["in_key_period"], g["rule"], g["status"], g["hours"], g["zone_code"]}, " "); line != w {
				t.Errorf("%s: %q, want %q", g["alert_id"], line, w)
			}
		}
		if seen != len(want) {
			t.Errorf("alerts %v lack some of %v", got, want)
		}
		// Showers of 3 mm an hour warn nobody; GH-045's stuck 1 mm an hour
		// and GH-004's misplaced hours neither.
		got = queryMaps(t, db, `SELECT count(*) AS n FROM mart_gh_alerts
			WHERE source = 'sensors' AND site_id IN ('GH-001', 'GH-002', 'GH-003', 'GH-004', 'GH-045')`)
		if got[0]["n"] != "0" {
			t.Errorf("sensor alerts %v", got)
		}
	})

	t.Run("flood-season inspections per site", func(t *testing.T) {
		got := queryMaps(t, db, `SELECT period_key, actual FROM int_grain_geohazard
			WHERE indicator_id = 'gh-27' AND period_key IN ('GH-001 2023', 'GH-002 2023', 'GH-011 2023') ORDER BY period_key`)
		// GH-001: the May inspection counts, April's does not; GH-011's
		// correction is one record.
		if fmt.Sprint(got) != "[map[actual:1 period_key:GH-001 2023] map[actual:0 period_key:GH-002 2023] map[actual:1 period_key:GH-011 2023]]" {
			t.Errorf("gh-27 rows %v", got)
		}
		got = queryMaps(t, db, `SELECT count(*) AS n FROM int_grain_geohazard WHERE indicator_id = 'gh-27'`)
		if got[0]["n"] != "68" {
			t.Errorf("gh-27 has %v rows, want one per registered site", got)
		}
	})
}

func TestGeohazardReferenceFacts(t *testing.T) {
	// One gauge, all of 2023 hour by hour, rain at 15:00–16:00 on chosen
	// days: June 9 × 7 mm, July 10 × 7 mm, August 10 × 9.3 mm, the other
	// nine months 5 × 3.2 mm. That is 370 mm in 74 rain days (5 mm/d),
	// 226 mm in June–August (61.08 %), August the wettest at 9.3 mm/d.
	var r readings
	start := local("2023-01-01 00:00")
	for k := 1; k <= 8760; k++ {
		hourStart := start.Add(time.Duration(k-1) * time.Hour)
		v := 0.0
		if hourStart.Hour() == 15 {
			d := hourStart.Day()
			switch hourStart.Month() {
			case time.June:
				v = 7 * b2f(d <= 9)
			case time.July:
				v = 7 * b2f(d <= 10)
			case time.August:
				v = 9.3 * b2f(d <= 10)
			default:
				v = 3.2 * b2f(d <= 5)
			}
		}
		r.add("GH-030", "rainfall_mm", start.Add(time.Duration(k)*time.Hour), v, "submitted=2024-01-02 00:00:00+08")
	}
	db := buildGiven(t, map[string]string{"sensor_readings": r.b.String()})
	got := queryMaps(t, db, `SELECT fact_id, coalesce(CAST(year AS VARCHAR), '') AS year, stated,
			coalesce(CAST(observed AS VARCHAR), '') AS observed, coalesce(CAST(consistent AS VARCHAR), 'NULL') AS consistent
		FROM mart_gh_reference_checks`)
	rows := map[string]string{}
	for _, g := range got {
		rows[g["fact_id"]+" "+g["year"]] = g["stated"] + " | " + g["observed"] + " | " + g["consistent"]
	}
	for fact, want := range map[string]string{
		"gh-01 ":      "=68 | 68.0 | true",
		"gh-02 ":      "=61 | 61.0 | true",
		"gh-03 ":      "=7 | 7.0 | true",
		"gh-04 ":      "=15 | 15.0 | true",
		"gh-11 ":      "=3 | 3.0 | true",
		"gh-12 ":      "=4 | 4.0 | true",
		"gh-15 ":      "=21 | 21.0 | true",
		"gh-16 ":      "=1937.41 | 1937.41 | true",
		"B2 sites ":   "19 | 19.0 | true",
		"B6 density ": "20.65 | 22.3214 | false", // printed density fits 4.84 km², not the printed 4.48
		"B6 share ":   "0.09 | 0.0815 | false",
		"B7 density ": "33.54 | 33.557 | false",
		"C4 share ":   "21.92 | 21.9196 | true",
		"gh-19 2023":  "340-400 | 370.0 | true",
		"gh-20 2023":  "=61 | 61.08 | true",
		"gh-21 2023":  "=5 | 5.0 | true",
		"gh-22 2023":  "=9.3 | 9.3 | true",
		"gh-23 2023":  "7-9月 |  | NULL",       // no heavy-rain day: not evaluable
		"gh-18 2023":  "5月1日至9月30日 |  | NULL", // no warning hours
	} {
		if rows[fact] != want {
			t.Errorf("%s: %q, want %q", fact, rows[fact], want)
		}
	}

	// Too little of a year is not judged.
	db = buildGiven(t, geohazardFixture())
	got = queryMaps(t, db, `SELECT coalesce(CAST(consistent AS VARCHAR), 'NULL') AS c, basis FROM mart_gh_reference_checks WHERE fact_id = 'gh-19'`)
	if len(got) != 1 || got[0]["c"] != "NULL" || !strings.Contains(got[0]["basis"], "too few to judge") {
		t.Errorf("gh-19 from a few weeks of rain: %v", got)
	}
}
