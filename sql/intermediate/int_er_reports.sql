-- 28号 counted targets that departments report (indicator_reports, latest
-- revision) and that hold per month, per quarter or once: one row per
-- indicator, department and period. Which indicators: those
-- seeds/paths_enterprise_relief.csv sends to int_grain_enterprise_relief
-- by the reported path, at the grain it names.
--
-- Every department answering for an indicator is evaluated on its own:
-- the plan sets these targets per unit ("各部门每季度…至少2次", "按季度提供",
-- "按月组织"), and where one unit is listed there is one row per period.
-- A department answers when the indicator lists it (by name or alias), is
-- its lead unit, or the list is a collective (各部门, 各有关部门: names
-- starting with 各). Reports from other departments stay in staging.
-- A quarter counts once it is over: its last month is on or before the
-- latest month anyone has reported (as_of_period). A 'sum' indicator adds
-- the months of the period, a 'last' one (a rate) takes the latest month;
-- a 'once' indicator takes the department's latest report, in the year of
-- that report.
WITH dept_names AS (
    SELECT name_zh AS name, name_zh FROM seed_departments
    UNION
    SELECT trim(a), name_zh FROM seed_departments, unnest(string_split(coalesce(aliases_zh, ''), '、')) AS t(a) WHERE trim(a) <> ''
),
indicators AS (
    SELECT i.indicator_id, i.aggregation, p.grain, i.department_list, i.lead_unit
    FROM stg_indicators i
    JOIN seed_indicator_paths p USING (indicator_id)
    WHERE i.plan_id = 'enterprise_relief' AND p.path = 'reported'
      -- (the model's name is built, so the runner does not read it as a dependency)
      AND p.model = 'int_grain_' || i.plan_id
),
answering AS (
    SELECT i.indicator_id, coalesce(n.name_zh, trim(t.d)) AS department
    FROM indicators i, unnest(list_concat(i.department_list, string_split(coalesce(i.lead_unit, ''), '、'))) AS t(d)
    LEFT JOIN dept_names n ON n.name = trim(t.d)
    WHERE trim(t.d) <> ''
),
reports AS (
    SELECT r.indicator_id, r.department, r.period, r.value, r.remarks, i.aggregation, i.grain,
           CASE i.grain WHEN 'quarter' THEN date_trunc('quarter', r.period) ELSE r.period END AS period_start
    FROM stg_indicator_reports r
    JOIN indicators i USING (indicator_id)
    WHERE r.is_latest
      AND EXISTS (SELECT 1 FROM answering a
                  WHERE a.indicator_id = r.indicator_id AND (a.department = r.department OR starts_with(a.department, '各')))
),
as_of AS (
    SELECT max(period) AS as_of_period FROM stg_indicator_reports WHERE is_latest
),
periodic AS (
    SELECT indicator_id, department, grain,
           CASE grain WHEN 'quarter' THEN year(period_start) || '-Q' || quarter(period_start)
                      ELSE strftime(period_start, '%Y-%m') END AS period_label,
           CAST(period_start + CASE grain WHEN 'quarter' THEN INTERVAL 2 MONTH ELSE INTERVAL 0 MONTH END AS DATE) AS period,
           CASE WHEN any_value(aggregation) = 'sum' THEN sum(value) ELSE arg_max(value, period) END AS actual,
           count(*) AS months_reported,
           string_agg(remarks, '；' ORDER BY period) AS remarks
    FROM reports
    WHERE grain IN ('month', 'quarter')
    GROUP BY indicator_id, department, grain, period_start
),
once AS (
    SELECT indicator_id, department, grain, 'once' AS period_label,
           max(period) AS period,
           arg_max(value, period) AS actual,
           count(*) AS months_reported,
           arg_max(remarks, period) AS remarks
    FROM reports
    WHERE grain = 'once'
    GROUP BY indicator_id, department, grain
)
SELECT p.indicator_id, p.department, p.grain, p.period_label, p.period,
       CAST(year(p.period) AS INTEGER) AS year, p.actual, p.months_reported, p.remarks
FROM periodic p CROSS JOIN as_of a
WHERE p.period <= a.as_of_period
UNION ALL
SELECT indicator_id, department, grain, period_label, period, CAST(year(period) AS INTEGER), actual, months_reported, remarks
FROM once
