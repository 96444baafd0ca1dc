-- Every computed yearly actual, one row per indicator and month (the value
-- for the year as known at that month). An actual computed from source
-- records (enterprise tonnages, tickets, sensors, surveys) takes precedence
-- over the figure a department reports for the same indicator.
WITH computed AS (
    SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_zero_waste
    UNION ALL BY NAME SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_enterprise_relief
    UNION ALL BY NAME SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_science_literacy
    UNION ALL BY NAME SELECT indicator_id, year, period, actual, actual_month, reporters, source FROM int_actuals_geohazard
)
SELECT indicator_id, year, period, actual, actual_month, reporters, coalesce(source, 'records') AS source
FROM computed
UNION ALL
SELECT r.indicator_id, r.year, r.period, r.actual, r.actual_month, r.reporters, 'reports' AS source
FROM int_actuals_reports r
WHERE NOT EXISTS (SELECT 1 FROM computed c WHERE c.indicator_id = r.indicator_id)
