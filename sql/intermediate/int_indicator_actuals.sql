-- Every computed yearly actual, one row per indicator and month (the value
-- for the year as known at that month). An actual computed from source
-- records (enterprise tonnages, tickets, sensors, surveys) takes precedence
-- over the figure a department reports for the same indicator.
--
-- Milestone indicators of every plan (path milestone: zw-38's 成立工作领导小组,
-- 28号's "2023年底前" dates, 33号's duties) take their result from
-- int_milestones: one row per target year once it is settled, 1 = done by
-- the deadline, 0 = done late or overdue, at the month it was done (or the
-- deadline's month when overdue). An open milestone has no row yet, so the
-- scorecard shows it unevaluated; mart_scorecard scores the 1/0 as ">= 1".
WITH milestones AS (
    SELECT
        m.indicator_id,
        m.target_year   AS year,
        m.result_period AS period,
        m.actual,
        m.actual        AS actual_month,
        CAST(m.reported_by IS NOT NULL AS BIGINT) AS reporters,
        'milestone_reports' AS source
    FROM int_milestones m
    JOIN stg_indicator_paths p USING (indicator_id)
    WHERE m.item_kind = 'indicator' AND p.path = 'milestone' AND m.actual IS NOT NULL
),
computed AS (
    SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_zero_waste
    UNION ALL BY NAME SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_enterprise_relief
    UNION ALL BY NAME SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_science_literacy
    UNION ALL BY NAME SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_geohazard
    UNION ALL BY NAME SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM milestones
)
SELECT indicator_id, year, period, actual, actual_month, reporters, coalesce(source, 'records') AS source
FROM computed
UNION ALL
SELECT r.indicator_id, r.year, r.period, r.actual, r.actual_month, r.reporters, 'reports' AS source
FROM int_actuals_reports r
WHERE NOT EXISTS (SELECT 1 FROM computed c WHERE c.indicator_id = r.indicator_id)
