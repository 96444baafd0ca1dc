-- Yearly actuals of the science_literacy plan (伊政发〔2023〕34号), one row
-- per indicator and month: the value for the year as known at that month.
-- Shape shared by every int_actuals_<plan> model (int_indicator_actuals
-- unions them): indicator_id, year, period (first day of the month),
-- actual, actual_month, reporters, source.
--
--   sl-01           the survey's literacy rate (int_sl_survey: literate /
--                   sample over the groups), in the survey's year and month;
--                   reporters = people sampled. source 'survey'.
--   sl-05/06/07     activities of the year to date (seeds/sl_activity_measures.csv:
--                   which activity type, counted or person-times), at every
--                   month the activity log covers; reporters = departments
--                   that logged that kind of activity that month.
--   sl-09           the same, as a running total from the plan's start
--                   (cumulative indicator: 十四五 total).
--   sl-02/08/10/11  once-targets a department reports (indicator_reports):
--                   its latest figure each month (a running total or a
--                   level), from the lead unit when several report; these
--                   are not yearly indicators, so int_actuals_reports leaves
--                   them out. source 'reports'.
-- sl-03 is per school and school year (int_grain_science_literacy), sl-04
-- a yearly report (int_actuals_reports), sl-12 a milestone.
WITH plan AS (
    SELECT CAST(period_start AS DATE) AS plan_start FROM seed_plans WHERE plan_id = 'science_literacy'
),
survey AS (
    SELECT 'sl-01' AS indicator_id, survey_year AS year, CAST(date_trunc('month', survey_date) AS DATE) AS period,
           literacy_rate_pct AS actual, literacy_rate_pct AS actual_month, sample_size AS reporters, 'survey' AS source
    FROM int_sl_survey
),
measures AS (
    SELECT m.indicator_id, m.activity_type, m.measure, i.cumulative
    FROM seed_sl_activity_measures m
    JOIN stg_indicators i USING (indicator_id)
    JOIN seed_indicator_paths p USING (indicator_id)
    -- per-year and running-total measures; per-school ones are grain rows
    WHERE p.grain IN ('year', 'once')
),
months AS (
    -- every month the activity log covers, so a month without that kind
    -- of activity still shows the year to date
    SELECT DISTINCT a.period FROM int_sl_activities a, plan WHERE a.activity_date >= plan.plan_start
),
monthly AS (
    SELECT m.indicator_id, m.cumulative, mo.period,
           CASE m.measure WHEN 'count' THEN count(a.activity_id) ELSE coalesce(sum(a.participants), 0) END AS value,
           count(DISTINCT a.department) AS reporters
    FROM measures m
    CROSS JOIN months mo
    LEFT JOIN int_sl_activities a ON a.activity_type = m.activity_type AND a.period = mo.period
    GROUP BY m.indicator_id, m.cumulative, m.measure, mo.period
),
activities AS (
    SELECT indicator_id, CAST(year(period) AS INTEGER) AS year, period,
           CAST(CASE WHEN cumulative
                     THEN sum(value) OVER (PARTITION BY indicator_id ORDER BY period)
                     ELSE sum(value) OVER (PARTITION BY indicator_id, year(period) ORDER BY period) END AS DOUBLE) AS actual,
           CAST(value AS DOUBLE) AS actual_month,
           reporters,
           'records' AS source
    FROM monthly
),
dept_names AS (
    SELECT name_zh AS name, name_zh FROM seed_departments
    UNION
    SELECT trim(a), name_zh FROM seed_departments, unnest(string_split(coalesce(aliases_zh, ''), '、')) AS t(a) WHERE trim(a) <> ''
),
reported_indicators AS (
    SELECT i.indicator_id, i.aggregation,
           -- the lead unit first, then the departments in the order listed
           list_concat(string_split(coalesce(i.lead_unit, ''), '、'), i.department_list) AS ranked
    FROM stg_indicators i
    JOIN seed_indicator_paths p USING (indicator_id)
    WHERE i.plan_id = 'science_literacy' AND p.path = 'reported'
      -- (the model's name is built, so the runner does not read it as a dependency)
      AND p.model = 'int_actuals_' || i.plan_id
),
ranks AS (
    SELECT r.indicator_id, coalesce(n.name_zh, trim(t.d)) AS department, min(t.pos) AS dept_rank
    FROM reported_indicators r, unnest(r.ranked) WITH ORDINALITY AS t(d, pos)
    LEFT JOIN dept_names n ON n.name = trim(t.d)
    WHERE trim(t.d) <> ''
    GROUP BY ALL
),
reports AS (
    -- A named department ranks by its place (lead unit first); under a
    -- collective (各成员单位) any department may answer, after the named ones.
    SELECT r.indicator_id, r.period, r.department, r.value, ri.aggregation,
           coalesce((SELECT min(k.dept_rank) FROM ranks k WHERE k.indicator_id = r.indicator_id AND k.department = r.department),
                    (SELECT 1000 FROM ranks k WHERE k.indicator_id = r.indicator_id AND starts_with(k.department, '各') LIMIT 1)) AS dept_rank
    FROM stg_indicator_reports r
    JOIN reported_indicators ri USING (indicator_id)
    WHERE r.is_latest
),
lead AS (
    -- one department per indicator: the best ranked one that reported
    SELECT * FROM reports
    WHERE dept_rank IS NOT NULL
    QUALIFY dept_rank = min(dept_rank) OVER (PARTITION BY indicator_id)
        AND row_number() OVER (PARTITION BY indicator_id, period ORDER BY department) = 1
),
reported AS (
    SELECT indicator_id, CAST(year(period) AS INTEGER) AS year, period,
           CASE aggregation WHEN 'sum' THEN sum(value) OVER (PARTITION BY indicator_id, year(period) ORDER BY period)
                            ELSE value END AS actual,
           value AS actual_month,
           CAST(1 AS BIGINT) AS reporters,
           'reports' AS source
    FROM lead
)
SELECT indicator_id, CAST(year AS INTEGER) AS year, period, CAST(actual AS DOUBLE) AS actual,
       CAST(actual_month AS DOUBLE) AS actual_month, CAST(reporters AS BIGINT) AS reporters, source
FROM survey
UNION ALL SELECT * FROM activities
UNION ALL SELECT * FROM reported
