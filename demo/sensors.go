package demo

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// sensors writes a year of hourly logger dumps for the 68 hazard sites
// (a rain gauge and a surface-displacement gauge at each, a crack meter at
// the collapse sites) and the hazardous-waste storage monitors. Rain follows
// the climate 33号 describes (gh_weather.go), with a July storm that brings
// a red warning; the data has what real loggers produce: gaps, spikes,
// stuck sensors, a logger whose clock runs on UTC, and the faults of
// loggerFaults (gh_faults.go).
func sensors(in Input, r *rand.Rand, sum Summary) error {
	ds := in.Datasets["sensor_readings"]
	dir := in.dir(ds.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// A year of readings, or fewer months when the demo covers fewer.
	start := time.Date(in.First.Year(), in.First.Month(), 1, 0, 0, 0, 0, in.Loc)
	end := start.AddDate(1, 0, 0)
	if last := time.Date(in.Last.Year(), in.Last.Month()+1, 1, 0, 0, 0, 0, in.Loc); last.Before(end) {
		end = last
	}
	hours := int(end.Sub(start).Hours())
	// One banner-wide rain series: showers cover the whole banner, each
	// gauge sees its own share of them; the July storm adds to a few sites.
	rain := bannerRain(start, hours, r)
	sites := in.Refs["hazard_sites.site_id"]
	ids := make([]string, 0, len(sites))
	for id := range sites {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for si, id := range ids {
		collapse := sites[id]["type"] == "collapse"
		gapFrom, gapLen := r.IntN(hours), 72+r.IntN(170) // a logger offline for 3–10 days
		utcClock := si == 17                             // its clock was never set to Beijing time
		stuckFrom := -1
		if collapse && si%2 == 0 {
			stuckFrom = 24 * (150 + r.IntN(60)) // a crack meter freezes for two weeks
		}
		fault := loggerFaults[id]
		disp, crack := 0.0, 2+r.Float64()*3
		files := map[time.Month]*bufio.Writer{}
		var handles []*os.File
		var resent []string // lines the logger sends a second time
		for h := 0; h < hours; h++ {
			t := start.Add(time.Duration(h) * time.Hour)
			w, ok := files[t.Month()]
			if !ok {
				name := filepath.Join(dir, fmt.Sprintf("%s_%s.csv", id, t.Format("2006-01")))
				f, err := os.Create(name)
				if err != nil {
					return err
				}
				handles = append(handles, f)
				w = bufio.NewWriterSize(f, 64<<10)
				files[t.Month()] = w
				fmt.Fprintln(w, "station,sensor,channel,time,value,unit")
			}
			rr := rain[h]*(0.7+0.6*r.Float64()) + stormRain(id, t, start)
			disp += 0.002 + 0.05*rr*r.Float64() + stormMovement(id, t, start)
			if stuckFrom < 0 || h < stuckFrom || h > stuckFrom+24*14 {
				crack += 0.001 + 0.02*rr*r.Float64()
			}
			if h >= gapFrom && h < gapFrom+gapLen {
				continue
			}
			stamp := t
			if utcClock {
				stamp = time.Date(t.UTC().Year(), t.UTC().Month(), t.UTC().Day(), t.UTC().Hour(), 0, 0, 0, in.Loc)
			}
			d := disp
			if r.IntN(20000) == 0 {
				d = 999.9 // a spike: the gauge's error code read as a value
			}
			d = fault.displacement(t, d)
			stamp = fault.clock(t, stamp)
			var lines []string
			for _, s := range fault.stamps(t, stamp) {
				lines = append(lines,
					fmt.Sprintf("%s,%s-RG,rainfall_mm,%s,%.1f,mm\n", id, id, s, rr),
					fmt.Sprintf("%s,%s-DS,displacement_mm,%s,%.2f,mm\n", id, id, s, d))
				if collapse {
					lines = append(lines, fmt.Sprintf("%s,%s-CK,crack_mm,%s,%.2f,mm\n", id, id, s, crack))
				}
			}
			for _, l := range lines {
				w.WriteString(l)
			}
			if fault.resend(t) {
				resent = append(resent, lines...)
			}
		}
		for _, w := range files {
			if err := w.Flush(); err != nil {
				return err
			}
		}
		for _, f := range handles {
			name := f.Name()
			f.Close()
			// Loggers are read out a day after the month ends.
			var y, mo int
			fmt.Sscanf(filepath.Base(name)[len(id)+1:], "%d-%d", &y, &mo)
			sent := time.Date(y, time.Month(mo)+1, 2, 10, 0, 0, 0, in.Loc)
			os.Chtimes(name, sent, sent)
			sum.add(ds.Name, name)
		}
		if len(resent) > 0 {
			p, err := fault.writeResend(dir, id, resent, in.Loc)
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
		}
	}
	if err := storageMonitors(in, r, sum, start, hours); err != nil {
		return err
	}
	return badLoggerFiles(dir, start, in.Loc, sum)
}

// storageMonitors: IoT monitors at hazardous-waste storage points send
// temperature and VOC readings, exported as JSON lines each month.
func storageMonitors(in Input, r *rand.Rand, sum Summary, start time.Time, hours int) error {
	dir := in.dir("sensor_readings")
	for p := 1; p <= 4; p++ {
		station := fmt.Sprintf("HW-%03d", p)
		var f *os.File
		var w *bufio.Writer
		month := time.Month(0)
		flush := func() error {
			if f == nil {
				return nil
			}
			if err := w.Flush(); err != nil {
				return err
			}
			f.Close()
			sent := time.Date(start.Year(), month+1, 1, 1, 0, 0, 0, in.Loc)
			sum.add("sensor_readings", f.Name())
			return os.Chtimes(f.Name(), sent, sent)
		}
		for h := 0; h < hours; h++ {
			t := start.Add(time.Duration(h) * time.Hour)
			if t.Month() != month {
				if err := flush(); err != nil {
					return err
				}
				month = t.Month()
				var err error
				f, err = os.Create(filepath.Join(dir, fmt.Sprintf("%s_%s.json", station, t.Format("2006-01"))))
				if err != nil {
					return err
				}
				w = bufio.NewWriter(f)
			}
			season := 10 * math.Sin(2*math.Pi*(float64(t.YearDay())-100)/365)
			temp := 12 + season + 4*math.Sin(2*math.Pi*float64(t.Hour()-8)/24) + r.NormFloat64()
			voc := math.Max(0, 0.8+0.05*temp+0.3*r.NormFloat64())
			ts := t.Format(time.RFC3339)
			fmt.Fprintf(w, `{"station_id":"%s","sensor_id":"%s-T","channel":"temperature_c","ts":"%s","value":%.1f,"unit":"℃"}`+"\n", station, station, ts, temp)
			fmt.Fprintf(w, `{"station_id":"%s","sensor_id":"%s-V","channel":"voc_ppm","ts":"%s","value":%.2f,"unit":"ppm"}`+"\n", station, station, ts, voc)
		}
		if err := flush(); err != nil {
			return err
		}
	}
	return nil
}

// badLoggerFiles: a dump from a logger on old firmware (other headers) and
// one cut short in transfer.
func badLoggerFiles(dir string, start time.Time, loc *time.Location, sum Summary) error {
	old := filepath.Join(dir, "GH-031_旧固件导出.csv")
	body := "站号,时间,雨量\nGH-031,2023-07-01 00:00,0.0\nGH-031,2023-07-01 01:00,2.5\n"
	if err := os.WriteFile(old, []byte(body), 0o644); err != nil {
		return err
	}
	cut := filepath.Join(dir, "GH-044_传输中断.csv")
	body = "station,sensor,channel,time,value,unit\nGH-044,GH-044-RG,rainfall_mm,2023-07-03 00:00:00,1.2,mm\nGH-044,GH-044-RG,rainfall_mm,2023-07-03 01:00:00,0."
	if err := os.WriteFile(cut, []byte(body+"\nGH-044,GH-044-RG,rain"), 0o644); err != nil {
		return err
	}
	sent := time.Date(start.Year(), 8, 2, 10, 0, 0, 0, loc)
	os.Chtimes(old, sent, sent)
	os.Chtimes(cut, sent, sent)
	sum.add("sensor_readings", old, cut)
	return nil
}
