package demo

import "time"

// emergencies are the emergency survey team's records of the month: the
// dangers and disasters of the storm year, with when they were observed and
// when the banner government had the report.
func emergencies(m time.Time, loc *time.Location) []map[string]any {
	type event struct {
		site, finding, level, remarks string
		observed                      time.Time
		delay                         time.Duration
	}
	y := m.Year()
	events := []event{
		{stormCentre, "发现险情", "红色", "暴雨后地面塌陷区边缘出现贯通裂缝，威胁采区道路（重大险情）",
			time.Date(y, time.July, 18, 21, 40, 0, 0, loc), 3*time.Hour + 30*time.Minute},
		{"GH-033", "发生灾情", "黄色", "公路切坡小型崩塌，约20立方米，无人员伤亡",
			time.Date(y, time.July, 19, 6, 20, 0, 0, loc), 2*time.Hour + 45*time.Minute},
		{"GH-060", "发生灾情", "黄色", "切坡局部崩塌，阻断乡道一侧车道",
			time.Date(y, time.August, 9, 15, 0, 0, 0, loc), 5*time.Hour + 30*time.Minute},
	}
	var rows []map[string]any
	for _, e := range events {
		if e.observed.Month() != m.Month() {
			continue
		}
		rows = append(rows, map[string]any{"site_id": e.site, "department": "旗自然资源局",
			"inspection_date": e.observed.Format("2006-01-02"), "inspector": "应急调查组",
			"finding": e.finding, "warning_level": e.level,
			"observed_at": e.observed.Format("2006-01-02 15:04:05"),
			"reported_at": e.observed.Add(e.delay).Format("2006-01-02 15:04:05"), "remarks": e.remarks})
	}
	return rows
}
