package demo

import (
	"math"
	"math/rand/v2"
	"regexp"
	"strconv"
	"time"
)

// zwProjectDemo departs from the straight line for a few 附件2 projects,
// so the demo has each case a leader looks for: a key utilisation project
// finished early (zw-19 reaches 2023's target of 1), one finished a
// quarter before its deadline, and a disposal centre that invests at half
// the pace and misses its June 2024 deadline.
var zwProjectDemo = map[string]struct {
	finish string  // YYYY-MM the project is completed; empty: not within the plan's span
	pace   float64 // share of the straight line it keeps to
}{
	"zwp-02": {finish: "2023-10", pace: 1},
	"zwp-04": {finish: "2024-09", pace: 1},
	"zwp-05": {finish: "", pace: 0.55},
}

// zwProjectSchedule walks one project through the ledger months.
type zwProjectSchedule struct {
	total         float64
	start, finish time.Time // first month of work, month of completion (zero: not within the plan's span)
	deadline      time.Time // the deadline's month
	pace          float64
	cum           float64 // invested to the end of the previous month
	done          bool
}

var rePeriodStart = regexp.MustCompile(`^(\d{4})年(?:(\d{1,2})月)?`)

// newProjectSchedule plans a project from its 附件2 row: work from the
// start of its printed period to its deadline's month. What it invested
// before the ledger began (first) is already in its cumulative figure.
func newProjectSchedule(row map[string]string, first time.Time) *zwProjectSchedule {
	s := &zwProjectSchedule{pace: 1}
	s.total, _ = strconv.ParseFloat(row["investment_wan"], 64)
	deadline, _ := time.Parse("2006-01-02", row["deadline_date"])
	s.deadline = time.Date(deadline.Year(), deadline.Month(), 1, 0, 0, 0, 0, time.UTC)
	s.finish = s.deadline
	s.start = time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC)
	if m := rePeriodStart.FindStringSubmatch(row["period_text"]); m != nil {
		y, _ := strconv.Atoi(m[1])
		mo := 1
		if m[2] != "" {
			mo, _ = strconv.Atoi(m[2])
		}
		s.start = time.Date(y, time.Month(mo), 1, 0, 0, 0, 0, time.UTC)
	}
	if d, ok := zwProjectDemo[row["project_id"]]; ok {
		s.pace = d.pace
		if d.finish != "" {
			s.finish, _ = time.Parse("2006-01", d.finish)
		} else {
			s.finish = time.Time{}
		}
	}
	before := time.Date(first.Year(), first.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, -1, 0)
	s.cum = round1(s.total * s.share(before))
	return s
}

// share is the part of the total invested by the end of month m along the
// schedule's line (at its pace), before any noise.
func (s *zwProjectSchedule) share(m time.Time) float64 {
	if m.Before(s.start) {
		return 0
	}
	end := s.finish
	if end.IsZero() {
		end = s.deadline // a slow project's line still aims at its deadline
	}
	months := float64((end.Year()-s.start.Year())*12+int(end.Month()-s.start.Month())) + 1
	done := float64((m.Year()-s.start.Year())*12+int(m.Month()-s.start.Month())) + 1
	return math.Min(1, done/months) * s.pace
}

// next is month m's ledger row: the month's investment, the cumulative
// figure and the status.
func (s *zwProjectSchedule) next(m time.Time, r *rand.Rand) (month, cum float64, status string) {
	m = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch {
	case s.done:
		return 0, s.cum, "已投运"
	case m.Before(s.start):
		return 0, s.cum, "未开工"
	case !s.finish.IsZero() && !m.Before(s.finish):
		month = round1(s.total - s.cum)
		s.cum, s.done = s.total, true
		return month, s.cum, "已完工"
	}
	if s.total > 20000 && m.Sub(s.start) < 60*24*time.Hour && s.cum == 0 {
		return 0, 0, "前期工作" // approvals before the first spade
	}
	target := s.total * s.share(m) * (0.97 + 0.06*r.Float64())
	target = math.Min(target, s.total*0.98)
	month = round1(math.Max(0, target-s.cum))
	s.cum = round1(s.cum + month)
	return month, s.cum, "在建"
}
