-- Milestones of every plan and their state: one row per item, where an
-- item is either
--   * an indicator and target year whose target is a deed, not a number
--     (its comparator parses as 'milestone': 成立工作领导小组, 纳入考核体系,
--     a regulation or plan issued), unless the indicator's path says its
--     number is computed, or that it is a reference fact or uncomputable
--     (zw-41's "按实际建设项目需求确定投资额" is answered by the computed
--     investment, 33号's "5月1日至9月30日" is a fact, not a deed); or
--   * a task of 31号 附件1 (zw_tasks), by its lead unit and deadline.
--
-- Deadline: the target's date when it prints one, else 31 December of the
-- target year ("2023年" targets run to the end of 2023); a task's
-- deadline_date, NULL for 长期坚持 / 持续推进 (ongoing: never late).
--
-- State: the latest report in milestone_reports (latest revision of each
-- department's monthly file). The responsible unit listed first counts;
-- another unit's report counts only when no unit ranked before it reported
-- (as in int_actuals_reports). Of the counting unit's reports the latest
-- month wins. A report names its target year, or else is for its own
-- year, or when the indicator has no target that year, the next target
-- year ahead (progress toward it), or failing that the last one before
-- (a late completion).
--
-- Done date: the state_date of the latest 已完成 report; when it is blank,
-- the end of the first month that unit reported the item done.
--
-- As of: the last day of the latest month anyone reported in
-- milestone_reports. The result depends on the lake and seeds only, so a
-- rebuild gives the same answer; a unit that stops reporting still turns
-- overdue as the others report month after month.
--
-- Result: on_time (done by the deadline), late (done after it), overdue
-- (not done and the deadline passed before the as-of date), open (not done
-- and not yet due, or ongoing). actual: 1 on_time, 0 late or overdue, NULL
-- open: the yearly actual of a milestone indicator ("1 = done by the
-- deadline"), which int_actuals_<plan> carries to the scorecard.
WITH paths AS (
    SELECT indicator_id, path FROM stg_indicator_paths
),
indicator_items AS (
    SELECT
        'indicator'                                      AS item_kind,
        t.indicator_id || '/' || t.year                  AS item_id,
        i.plan_id,
        t.indicator_id,
        CAST(NULL AS VARCHAR)                            AS task_id,
        t.year                                           AS target_year,
        i.name_zh,
        t.text                                           AS target_text,
        coalesce(t.value_date, make_date(t.year, 12, 31)) AS deadline,
        t.year || '年底'                                  AS deadline_text,
        i.department_list                                AS units
    FROM stg_targets t
    JOIN stg_indicators i USING (indicator_id)
    LEFT JOIN paths p USING (indicator_id)
    WHERE t.kind = 'target'
      -- a deed printed as a sentence; or, for an indicator whose path says
      -- it is a milestone but whose targets print no sentence at all (28号's
      -- "2023年底前" dates, 33号's duties), each target it has
      AND (t.comparator = 'milestone'
           OR (p.path = 'milestone' AND t.comparator <> 'none'
               AND NOT EXISTS (SELECT 1 FROM stg_targets s
                               WHERE s.indicator_id = t.indicator_id AND s.kind = 'target' AND s.comparator = 'milestone')))
      AND coalesce(p.path, 'milestone') NOT IN ('computed', 'reference_fact', 'uncomputable')
),
task_items AS (
    SELECT
        'task'                        AS item_kind,
        task_id                       AS item_id,
        'zero_waste'                  AS plan_id,
        CAST(NULL AS VARCHAR)         AS indicator_id,
        task_id,
        CAST(year(deadline_date) AS INTEGER) AS target_year,
        task_zh                       AS name_zh,
        task_zh                       AS target_text,
        deadline_date                 AS deadline,
        deadline_text,
        lead_units                    AS units
    FROM stg_zw_tasks
),
items AS (
    SELECT * FROM indicator_items
    UNION ALL BY NAME
    SELECT * FROM task_items
),
-- Units are printed under several names (生态环境局, 旗生态环境局); reports
-- carry the canonical name, so ranks are kept by canonical name.
dept_names AS (
    SELECT name_zh AS alias, name_zh AS department FROM stg_departments
    UNION
    SELECT a, name_zh FROM stg_departments, unnest(aliases_zh) AS t(a)
),
item_units AS (
    SELECT it.item_id, g.k AS unit_rank, coalesce(d.department, it.units[g.k]) AS department
    FROM items it
    CROSS JOIN LATERAL generate_series(1, len(it.units)) AS g(k)
    LEFT JOIN dept_names d ON d.alias = it.units[g.k]
),
reports AS (
    SELECT
        period, department, indicator_id, target_year, task_id, state_date, evidence, _checksum, _sheet, _row,
        CASE state WHEN '已完成' THEN 'done' WHEN '推进中' THEN 'in_progress' WHEN '未启动' THEN 'not_started' END AS state
    FROM stg_milestone_reports
    WHERE is_latest
),
-- Each indicator report goes to one target year of its indicator (see the
-- header). Not counted, though kept in stg_milestone_reports: a report for
-- an indicator without a milestone target, or naming a year that has none,
-- or naming neither an indicator nor a task.
indicator_item_reports AS (
    SELECT r.*, i.item_id
    FROM reports r
    JOIN indicator_items i
      ON i.indicator_id = r.indicator_id
     AND (r.target_year IS NULL OR i.target_year = r.target_year)
    QUALIFY row_number() OVER (
        PARTITION BY r._checksum, r._sheet, r._row
        ORDER BY CASE WHEN i.target_year = year(r.period) THEN 0 WHEN i.target_year > year(r.period) THEN 1 ELSE 2 END,
                 abs(i.target_year - year(r.period))
    ) = 1
),
task_reports AS (
    SELECT r.*, r.task_id AS item_id
    FROM reports r
    JOIN task_items t USING (task_id)
),
item_reports AS (
    SELECT ir.*, coalesce(u.unit_rank, 1000) AS unit_rank
    FROM (SELECT * FROM indicator_item_reports UNION ALL BY NAME SELECT * FROM task_reports) ir
    LEFT JOIN item_units u ON u.item_id = ir.item_id AND u.department = ir.department
),
counting AS (
    SELECT * FROM item_reports
    QUALIFY unit_rank = min(unit_rank) OVER (PARTITION BY item_id)
),
latest AS (
    SELECT
        c.*,
        count(*) OVER (PARTITION BY item_id) AS reports,
        min(period) FILTER (WHERE state = 'done') OVER (PARTITION BY item_id, department) AS first_done_period
    FROM counting c
    QUALIFY row_number() OVER (
        PARTITION BY item_id
        ORDER BY period DESC,
                 CASE state WHEN 'done' THEN 0 WHEN 'in_progress' THEN 1 ELSE 2 END,
                 department
    ) = 1
),
as_of AS (
    SELECT last_day(max(period)) AS as_of_date FROM stg_milestone_reports WHERE is_latest
),
judged AS (
    SELECT
        it.*,
        l.state,
        l.state_date,
        CASE WHEN l.state = 'done' THEN coalesce(l.state_date, last_day(l.first_done_period)) END AS done_date,
        l.evidence,
        coalesce(trim(l.evidence), '') <> '' AS has_evidence,
        l.department AS reported_by,
        l.period     AS reported_period,
        coalesce(l.reports, 0) AS reports,
        a.as_of_date
    FROM items it
    LEFT JOIN latest l USING (item_id)
    CROSS JOIN as_of a
),
resulted AS (
    SELECT
        *,
        CASE
            WHEN state = 'done' AND (deadline IS NULL OR done_date <= deadline) THEN 'on_time'
            WHEN state = 'done' THEN 'late'
            WHEN deadline IS NOT NULL AND as_of_date > deadline THEN 'overdue'
            ELSE 'open'
        END AS result
    FROM judged
)
SELECT
    r.item_kind,
    r.item_id,
    r.plan_id,
    r.indicator_id,
    r.task_id,
    r.target_year,
    r.name_zh,
    r.target_text,
    u.department                                   AS lead_unit,
    array_to_string(r.units, '、')                  AS units,
    r.deadline_text,
    r.deadline,
    r.state,
    r.state_date,
    r.done_date,
    r.evidence,
    r.has_evidence,
    r.reported_by,
    r.reported_period,
    r.reports,
    r.as_of_date,
    r.result,
    CASE r.result
        WHEN 'late'    THEN date_diff('day', r.deadline, r.done_date)
        WHEN 'overdue' THEN date_diff('day', r.deadline, r.as_of_date)
    END                                            AS days_late,
    CAST(CASE r.result WHEN 'on_time' THEN 1 WHEN 'late' THEN 0 WHEN 'overdue' THEN 0 END AS DOUBLE) AS actual,
    -- The month the result was settled: when the item was done, or the
    -- deadline's month for an overdue one.
    CASE
        WHEN r.result IN ('on_time', 'late') THEN date_trunc('month', r.done_date)
        WHEN r.result = 'overdue' THEN date_trunc('month', r.deadline)
    END::DATE                                      AS result_period
FROM resulted r
LEFT JOIN item_units u ON u.item_id = r.item_id AND u.unit_rank = 1
