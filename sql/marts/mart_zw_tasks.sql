-- 31号 附件1: the 83 tasks of the zero-waste plan, one row per task, with
-- the lead unit (the first printed, by its canonical name), the deadline
-- and where the task stands: the latest state its unit reports, the
-- completion date and evidence, and the result (on_time, late, open,
-- overdue) as of the latest month reported (see int_milestones). Group by
-- lead_unit and deadline_year for a unit's record.
SELECT
    t.task_id,
    t.seq,
    t.section_zh,
    t.task_zh,
    m.lead_unit,
    array_to_string(t.lead_units, '、')          AS lead_units,
    array_to_string(t.participating_units, '、') AS participating_units,
    t.deadline_text,
    t.deadline_date,
    CAST(year(t.deadline_date) AS INTEGER)       AS deadline_year,
    m.state,
    m.state_date,
    m.done_date,
    m.evidence,
    m.has_evidence,
    m.reported_by,
    m.reported_period,
    m.as_of_date,
    m.result,
    m.days_late
FROM stg_zw_tasks t
JOIN int_milestones m ON m.item_kind = 'task' AND m.task_id = t.task_id
