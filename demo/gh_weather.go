package demo

import (
	"math/rand/v2"
	"time"
)

// The banner's rainfall climate as 33号 describes it (三、（一）气象趋势预测):
// 340–400 mm a year, 61 % of it in June–August, about 5 mm per rain day,
// August the wettest at about 9.3 mm per rain day, heavy rain in thunder
// storms. Each month gets its share of the year's total spread over its
// rain days; June + July + August = 0.61.
var monthlyRain = [12]struct {
	share float64 // of the year's total
	days  int     // rain days
}{
	{0.010, 2}, {0.015, 3}, {0.030, 4}, {0.050, 5}, {0.080, 7}, {0.140, 10},
	{0.240, 12}, {0.230, 9}, {0.120, 9}, {0.050, 6}, {0.020, 4}, {0.015, 3},
}

// bannerRain is the banner-wide hourly rain series from start: rain days
// drawn per month, each with one shower of 2–8 hours inside the day.
// Gauges see their own share of it (see sensors).
func bannerRain(start time.Time, hours int, r *rand.Rand) []float64 {
	rain := make([]float64, hours)
	annual := 370 * (0.95 + 0.1*r.Float64())
	for m := start; m.Before(start.Add(time.Duration(hours) * time.Hour)); m = m.AddDate(0, 1, 0) {
		c := monthlyRain[m.Month()-1]
		ndays := m.AddDate(0, 1, 0).Sub(m).Hours() / 24
		days := r.Perm(int(ndays))[:c.days]
		weights := make([]float64, c.days)
		sum := 0.0
		for i := range weights {
			weights[i] = 0.2 + r.ExpFloat64()
			sum += weights[i]
		}
		for i, d := range days {
			amount := annual * c.share * weights[i] / sum
			dur := 2 + r.IntN(7)
			first := m.AddDate(0, 0, d).Add(time.Duration(r.IntN(24-dur)) * time.Hour)
			// A shower builds up and dies away: triangular weights.
			shape := make([]float64, dur)
			total := 0.0
			for k := range shape {
				shape[k] = float64(min(k+1, dur-k)) + r.Float64()
				total += shape[k]
			}
			for k, s := range shape {
				h := int(first.Sub(start).Hours()) + k
				if h >= 0 && h < hours {
					rain[h] += amount * s / total
				}
			}
		}
	}
	return rain
}

// The July storm: a thunderstorm parks over the west of 纳林陶亥镇 (zone
// B2) on the afternoon of 18 July, about 150 mm in 16 hours at its centre
// (a red warning there, orange and yellow around it), and the ground at the
// centre site starts to move.
var (
	stormStart   = time.Date(0, time.July, 18, 14, 0, 0, 0, time.UTC) // year and zone set per run
	stormProfile = []float64{2, 4, 8, 14, 22, 30, 24, 16, 10, 6, 4, 3, 2, 1, 1, 0.5}
	stormSites   = map[string]float64{"GH-022": 1.0, "GH-021": 0.85, "GH-023": 0.8, "GH-020": 0.7, "GH-024": 0.6, "GH-033": 0.55}
	stormCentre  = "GH-022"
)

// stormRain is the storm's rain at a site in hour h (0 when the site is
// outside the storm or the demo does not cover July of its first year).
func stormRain(id string, at, start time.Time) float64 {
	f, ok := stormSites[id]
	if !ok {
		return 0
	}
	s := time.Date(start.Year(), stormStart.Month(), stormStart.Day(), stormStart.Hour(), 0, 0, 0, start.Location())
	k := int(at.Sub(s).Hours())
	if k < 0 || k >= len(stormProfile) {
		return 0
	}
	return stormProfile[k] * f
}

// stormMovement is the extra surface displacement the storm causes at its
// centre site: 1.6 mm an hour for 14 hours from its peak.
func stormMovement(id string, at, start time.Time) float64 {
	if id != stormCentre {
		return 0
	}
	peak := time.Date(start.Year(), stormStart.Month(), stormStart.Day(), stormStart.Hour()+5, 0, 0, 0, start.Location())
	if k := at.Sub(peak).Hours(); k >= 0 && k < 14 {
		return 1.6
	}
	return 0
}
