-- 28号 保障措施: each special action's lead unit (牵头部门) reports the
-- month's progress to 旗工业和信息化局 by the 5th of the next month
-- (seeds/er_rules.csv progress_report_due_day). One row per lead unit
-- (seeds/er_special_actions.csv) and month, from the month the plan was
-- issued (documents.csv: 2023-05-16, so May's report is the first, due
-- 5 June) up to the last month whose report is due by as_of_date.
--
-- A lead unit's monthly report is its indicator_reports submission for
-- that month (the file carries the figures of its actions); when it
-- arrived is the lake lineage _submitted_at of its first file for the
-- month (a later correction does not make a report late), taken as a date
-- in the warehouse's zone (Asia/Shanghai). days_after_month_end is the
-- day of the next month it arrived on (3 = the 3rd; on time when <= 5);
-- a report still missing counts the days up to as_of_date, the day the
-- latest indicator report arrived from anyone.
WITH rules AS (
    SELECT CAST(value AS INTEGER) AS due_day FROM seed_er_rules WHERE rule_id = 'progress_report_due_day'
),
dept_names AS (
    SELECT name_zh AS name, name_zh FROM seed_departments
    UNION
    SELECT trim(a), name_zh FROM seed_departments, unnest(string_split(coalesce(aliases_zh, ''), '、')) AS t(a) WHERE trim(a) <> ''
),
lead_units AS (
    SELECT n.name_zh AS department, string_agg(a.action_no || ' ' || a.name_zh, '；' ORDER BY CAST(a.action_no AS INTEGER)) AS actions
    FROM seed_er_special_actions a, unnest(string_split(a.lead_units, '、')) AS t(u)
    JOIN dept_names n ON n.name = trim(t.u)
    GROUP BY n.name_zh
),
first_month AS (
    SELECT date_trunc('month', CAST(d.issued_date AS DATE)) AS first_month
    FROM seed_plans p JOIN seed_documents d USING (doc_no)
    WHERE p.plan_id = 'enterprise_relief'
),
as_of AS (
    SELECT max(CAST(_submitted_at AS DATE)) AS as_of_date FROM stg_indicator_reports
),
arrivals AS (
    SELECT department, period, min(CAST(_submitted_at AS DATE)) AS arrived_on, count(DISTINCT _checksum) AS files
    FROM stg_indicator_reports
    GROUP BY department, period
),
due AS (
    SELECT u.department, u.actions, CAST(m.month AS DATE) AS period,
           CAST(m.month + INTERVAL 1 MONTH + to_days(r.due_day - 1) AS DATE) AS due_date,
           a.as_of_date
    FROM lead_units u
    CROSS JOIN first_month f
    CROSS JOIN as_of a
    CROSS JOIN rules r
    CROSS JOIN unnest(generate_series(f.first_month, date_trunc('month', a.as_of_date), INTERVAL 1 MONTH)) AS m(month)
)
SELECT
    d.department,
    d.actions,
    d.period,
    CAST(year(d.period) AS INTEGER) AS year,
    d.due_date,
    r.arrived_on,
    coalesce(r.files, 0) AS files,
    d.as_of_date,
    r.arrived_on IS NOT NULL AND r.arrived_on <= d.due_date AS on_time,
    date_diff('day', last_day(d.period), coalesce(r.arrived_on, d.as_of_date)) AS days_after_month_end
FROM due d
LEFT JOIN arrivals r ON r.department = d.department AND r.period = d.period
-- A month counts once its report has arrived or is due.
WHERE r.arrived_on IS NOT NULL OR d.due_date < d.as_of_date
