package demo

import (
	"fmt"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/waymark-data/waymark/internal/targets"
)

// zwMilestone is one thing a unit reports progress on: a zero-waste
// indicator's target year whose target is a deed, or a 31号 task.
type zwMilestone struct {
	indicatorID, taskID string
	year                int // an indicator's target year
	name, dept          string
	deadline            time.Time // zero: ongoing (长期坚持)
	window              bool      // the target prints a date: a policy window that ends on it
	start, done         time.Time // done zero: not done within the demo
	evidence            string
}

func (z *zwMilestone) month(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// state is what the unit writes for month m: 已完成 from the month it was
// done, 未启动 before it started, else 推进中.
func (z *zwMilestone) state(m time.Time) (state string, date any, evidence any) {
	switch {
	case !z.done.IsZero() && !m.Before(z.month(z.done)):
		return "已完成", z.done.Format("2006-01-02"), z.evidence
	case m.Before(z.month(z.start)):
		return "未启动", nil, nil
	}
	return "推进中", z.start.Format("2006-01-02"), nil
}

var evidenceKinds = []string{"印发文件", "会议纪要", "验收报告", "工作台账", "现场核查记录"}

// milestoneReports: every responsible unit's monthly progress report on
// its milestones: the zero-waste indicators whose target for a year is a
// deed (a flow such as zw-41's investment is not: its figure answers it)
// and the 31号 tasks it leads. Most are done on time, the ongoing tasks
// stay in progress, and the demo has what a leader looks for: a task of
// the first year never done (overdue), a first-year indicator milestone
// done in March of the next year (late, reported naming its target year),
// and a done reported first without evidence, corrected a week later.
func milestoneReports(in Input, _ *rand.Rand, sum Summary) error {
	ds := in.Datasets["milestone_reports"]
	r := rand.New(rand.NewPCG(31, 1)) // its own stream, as projectProgress
	items := zwMilestoneItems(in)
	planMilestones(items, in, r)
	byDept := map[string][]*zwMilestone{}
	for _, it := range items {
		byDept[it.dept] = append(byDept[it.dept], it)
	}
	depts := make([]string, 0, len(byDept))
	for d := range byDept {
		depts = append(depts, d)
	}
	sort.Strings(depts)
	corrected := false
	for _, dept := range depts {
		for _, m := range in.months() {
			rows := milestoneRows(byDept[dept], dept, m)
			if len(rows) == 0 {
				continue
			}
			name := fmt.Sprintf("%s_重点任务进展_%s.xlsx", dept, m.Format("2006-01"))
			sent := in.sentOn(m, 3+r.IntN(2), 10)
			if !corrected && hasDone(rows) {
				// The first done this unit reports goes out without its
				// evidence; the corrected file replaces it a week later.
				first := make([]map[string]any, len(rows))
				for i, row := range rows {
					first[i] = map[string]any{}
					for k, v := range row {
						first[i][k] = v
					}
					delete(first[i], "evidence")
				}
				p, err := submission{ds: ds, dir: in.dir(ds.Name), name: name, title: dept + " 重点任务及定性指标进展月报 " + m.Format("2006年1月"),
					rows: first, sent: sent}.write()
				if err != nil {
					return err
				}
				sum.add(ds.Name, p)
				name = strings.TrimSuffix(name, ".xlsx") + "_更正.xlsx"
				sent = sent.AddDate(0, 0, 7)
				corrected = true
			}
			p, err := submission{ds: ds, dir: in.dir(ds.Name), name: name, title: dept + " 重点任务及定性指标进展月报 " + m.Format("2006年1月"),
				rows: rows, sent: sent}.write()
			if err != nil {
				return err
			}
			sum.add(ds.Name, p)
		}
	}
	return nil
}

func hasDone(rows []map[string]any) bool {
	for _, r := range rows {
		if r["state"] == "已完成" {
			return true
		}
	}
	return false
}

// milestoneRows is a unit's report for month m: each task, and each
// indicator once, for the target year the warehouse attributes an
// unnamed report to (the month's year, else the next target year, else
// the last); a milestone of an earlier year done late this month is
// reported naming its year.
func milestoneRows(items []*zwMilestone, dept string, m time.Time) []map[string]any {
	period := m.Format("2006-01")
	m = time.Date(m.Year(), m.Month(), 1, 0, 0, 0, 0, time.UTC) // compared with dates, kept in UTC
	var rows []map[string]any
	row := func(it *zwMilestone, targetYear any) {
		state, date, evidence := it.state(m)
		rows = append(rows, map[string]any{"period": period, "department": dept, "indicator_id": nilIfEmpty(it.indicatorID),
			"target_year": targetYear, "task_id": nilIfEmpty(it.taskID), "item_name": it.name, "state": state,
			"state_date": date, "evidence": evidence})
	}
	byIndicator := map[string][]*zwMilestone{}
	var order []string
	for _, it := range items {
		if it.taskID != "" {
			row(it, nil)
			continue
		}
		if byIndicator[it.indicatorID] == nil {
			order = append(order, it.indicatorID)
		}
		byIndicator[it.indicatorID] = append(byIndicator[it.indicatorID], it)
	}
	for _, id := range order {
		years := byIndicator[id]
		if it := attributed(years, m.Year()); it != nil {
			row(it, nil)
		}
		for _, it := range years {
			if it.year < m.Year() && !it.done.IsZero() && it.done.Year() > it.year && it.month(it.done).Equal(m) {
				row(it, it.year)
			}
		}
	}
	return rows
}

// attributed picks the target year an unnamed report in year y is for,
// as int_milestones does.
func attributed(years []*zwMilestone, y int) *zwMilestone {
	var ahead, before *zwMilestone
	for _, it := range years {
		switch {
		case it.year == y:
			return it
		case it.year > y && (ahead == nil || it.year < ahead.year):
			ahead = it
		case it.year < y && (before == nil || it.year > before.year):
			before = it
		}
	}
	if ahead != nil {
		return ahead
	}
	return before
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// zwMilestoneItems lists the zero-waste milestones with their responsible
// unit: an indicator's first unit printed (各成员单位, all member units,
// report through 旗无废办, which coordinates them), a task's first lead unit.
func zwMilestoneItems(in Input) []*zwMilestone {
	var items []*zwMilestone
	inds := in.Refs["indicators.indicator_id"]
	ids := make([]string, 0, len(inds))
	paths := in.Refs["paths.indicator_id"]
	for id := range inds {
		// Zero-waste sentence targets, and every plan's indicators whose
		// path (paths_<plan>.csv) says they are milestones.
		if strings.HasPrefix(id, "zw-") || paths[id]["path"] == "milestone" {
			ids = append(ids, id)
		}
	}
	sort.Strings(ids)
	for _, id := range ids {
		row := inds[id]
		// As int_milestones: a milestone-path indicator none of whose
		// targets is a sentence is tracked by each target it has.
		byPath := paths[id]["path"] == "milestone"
		for _, y := range []int{2023, 2024, 2025} {
			if targets.Parse(row["target_"+strconv.Itoa(y)], targets.Direction(row["direction"])).Comparator == targets.Milestone {
				byPath = false
			}
		}
		if row["aggregation"] == "sum" && !byPath {
			continue // a flow's figure answers its target, whatever it says
		}
		unit := row["lead_unit"]
		if unit == "" || !strings.HasPrefix(id, "zw-") && in.Refs["departments.name_zh"][in.Refs.Canonical(firstUnit(unit))] == nil {
			unit = row["departments"]
		}
		dept := in.Refs.Canonical(firstUnit(unit))
		if dept == in.Refs.Canonical("各成员单位") || in.Refs["departments.name_zh"][dept] == nil {
			dept = in.Refs.Canonical("旗无废办")
			if !strings.HasPrefix(id, "zw-") {
				continue // no unit that can report it
			}
		}
		for _, y := range []int{2023, 2024, 2025} {
			text := row["target_"+strconv.Itoa(y)]
			t := targets.Parse(text, targets.Direction(row["direction"]))
			if t.Comparator != targets.Milestone && !(byPath && text != "" && t.Comparator != targets.None) {
				continue
			}
			deadline := time.Date(y, 12, 31, 0, 0, 0, 0, time.UTC)
			d, err := time.Parse("2006-01-02", t.Date)
			if err == nil {
				deadline = d
			}
			items = append(items, &zwMilestone{indicatorID: id, year: y, name: row["name_zh"], dept: dept, deadline: deadline, window: err == nil})
		}
	}
	tasks := in.Refs["zw_tasks.task_id"]
	tids := make([]string, 0, len(tasks))
	for id := range tasks {
		tids = append(tids, id)
	}
	sort.Strings(tids)
	for _, id := range tids {
		row := tasks[id]
		name, _, _ := strings.Cut(row["task_zh"], "：")
		it := &zwMilestone{taskID: id, name: name, dept: in.Refs.Canonical(firstUnit(row["lead_units"]))}
		if d, err := time.Parse("2006-01-02", row["deadline_date"]); err == nil {
			it.deadline = d
		}
		items = append(items, it)
	}
	return items
}

// planMilestones decides when each milestone starts and is done.
func planMilestones(items []*zwMilestone, in Input, r *rand.Rand) {
	first, last := in.First, in.Last
	lastDay := time.Date(last.Year(), last.Month()+1, 0, 0, 0, 0, 0, time.UTC) // deadlines are dates, kept in UTC
	day := func(y int, m time.Month) time.Time { return time.Date(y, m, 5+r.IntN(20), 0, 0, 0, 0, time.UTC) }
	firstTask, firstIndicator := true, true
	for _, it := range items {
		it.start = day(first.Year(), time.Month(1+r.IntN(4)))
		if it.indicatorID != "" && it.year > first.Year() {
			it.start = day(it.year-1, time.Month(6+r.IntN(6)))
		}
		switch {
		case it.deadline.IsZero():
			// Ongoing: in progress for good.
		case it.deadline.Year() == first.Year() && it.taskID != "":
			if firstTask {
				it.done = day(first.Year(), time.March) // on time
				firstTask = false
			} // the others of the first year are never done: overdue
		case it.deadline.Year() == first.Year() && firstIndicator:
			it.done = time.Date(first.Year()+1, time.March, 12, 0, 0, 0, 0, time.UTC) // late
			firstIndicator = false
		case it.window && !it.deadline.After(lastDay):
			// A policy window (28号's deferrals) is done the day it closes,
			// even one that closed before the plan was issued.
			it.done = it.deadline
		case !it.deadline.After(lastDay):
			it.done = day(it.deadline.Year(), time.Month(4+r.IntN(7)))
			if it.done.Before(it.start) {
				it.done = it.start.AddDate(0, 2, 0)
			}
		case r.IntN(3) == 0:
			// Due later, done early in the demo's last year.
			it.done = day(last.Year(), time.Month(1+r.IntN(int(last.Month()))))
		case r.IntN(8) == 0:
			it.start = day(last.Year(), time.Month(3+r.IntN(6))) // started late
		}
		if !it.done.IsZero() {
			if it.done.Before(it.start) {
				it.start = it.done.AddDate(0, -3, 0)
			}
			it.evidence = fmt.Sprintf("%s（%s）", evidenceKinds[r.IntN(len(evidenceKinds))], it.done.Format("2006-01-02"))
		}
	}
}
