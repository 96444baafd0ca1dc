package demo

import (
	"os"
	"path/filepath"
	"strings"
	"time"
)

// loggerFault is what goes wrong with one hazard-site logger in the demo,
// so that the quality flags of int_gh_readings_clean have something real to
// find. Dates are month and day in the demo's first year.
type loggerFault struct {
	// The displacement gauge freezes (stuckFrom..spikeFrom), then throws
	// spikes of spikeSize every 7 hours (spikeFrom..spikeTo), then reports
	// its error code -999 for two hours.
	stuckFrom, spikeFrom, spikeTo time.Time
	spikeSize                     float64
	// The logger sends the last days of a month a second time (resend
	// from..to) in a separate dump.
	resendFrom, resendTo time.Time
	// The logger writes every reading twice, 30 s apart, on one day.
	doubleDay time.Time
	// The logger's clock jumps a year ahead for a few hours.
	futureFrom, futureTo time.Time
	frozen               float64 // the value a stuck gauge repeats
}

func onDay(m time.Month, d int) time.Time { return time.Date(0, m, d, 0, 0, 0, 0, time.UTC) }

var loggerFaults = map[string]*loggerFault{
	"GH-040": {stuckFrom: onDay(time.August, 1), spikeFrom: onDay(time.August, 6), spikeTo: onDay(time.August, 9), spikeSize: 45},
	"GH-050": {resendFrom: onDay(time.July, 29), resendTo: onDay(time.August, 1)},
	"GH-051": {doubleDay: onDay(time.September, 10)},
	"GH-052": {futureFrom: onDay(time.October, 12).Add(8 * time.Hour), futureTo: onDay(time.October, 12).Add(14 * time.Hour)},
}

// within says whether t (any year) falls in [from, to) of the same year.
func within(t, from, to time.Time) bool {
	if from.IsZero() && to.IsZero() {
		return false
	}
	y := t.Year()
	f := time.Date(y, from.Month(), from.Day(), from.Hour(), 0, 0, 0, t.Location())
	e := time.Date(y, to.Month(), to.Day(), to.Hour(), 0, 0, 0, t.Location())
	return !t.Before(f) && t.Before(e)
}

func (f *loggerFault) displacement(t time.Time, v float64) float64 {
	if f == nil || f.stuckFrom.IsZero() {
		return v
	}
	switch {
	case within(t, f.stuckFrom, f.spikeFrom):
		// frozen at the value it read when it stuck
		if within(t, f.stuckFrom, f.stuckFrom.Add(time.Hour)) {
			f.frozen = v
		}
		return f.frozen
	case within(t, f.spikeFrom, f.spikeTo):
		if t.Hour()%7 == 3 {
			return v + f.spikeSize
		}
	case within(t, f.spikeTo, f.spikeTo.Add(2*time.Hour)):
		return -999
	}
	return v
}

// clock is the stamp the logger writes for a reading taken at t.
func (f *loggerFault) clock(t, stamp time.Time) time.Time {
	if f != nil && within(t, f.futureFrom, f.futureTo) {
		return stamp.AddDate(1, 0, 0)
	}
	return stamp
}

// stamps are the stamps written for one reading: twice on a double day.
func (f *loggerFault) stamps(t, stamp time.Time) []string {
	const layout = "2006-01-02 15:04:05"
	if f != nil && !f.doubleDay.IsZero() && within(t, f.doubleDay, f.doubleDay.AddDate(0, 0, 1)) {
		return []string{stamp.Format(layout), stamp.Add(30 * time.Second).Format(layout)}
	}
	return []string{stamp.Format(layout)}
}

func (f *loggerFault) resend(t time.Time) bool {
	return f != nil && within(t, f.resendFrom, f.resendTo)
}

// writeResend writes the lines sent a second time as their own dump,
// four days after the month's regular dump.
func (f *loggerFault) writeResend(dir, id string, lines []string, loc *time.Location) (string, error) {
	first, _ := time.Parse("2006-01-02 15:04:05", strings.Split(lines[0], ",")[3])
	p := filepath.Join(dir, id+"_"+first.Format("2006-01")+"_补传.csv")
	body := "station,sensor,channel,time,value,unit\n" + strings.Join(lines, "")
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		return "", err
	}
	y := first
	sent := time.Date(y.Year(), f.resendTo.Month(), f.resendTo.Day()+4, 9, 0, 0, 0, loc)
	return p, os.Chtimes(p, sent, sent)
}
