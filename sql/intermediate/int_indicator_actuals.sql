-- Every computed actual, one row per indicator and month (year to date).
-- An actual computed from source records (enterprise tonnages) takes
-- precedence over the figure a department reports for the same indicator.
SELECT indicator_id, year, period, actual, actual_month, reporters, 'records' AS source
FROM int_actuals_zero_waste
UNION ALL
SELECT r.indicator_id, r.year, r.period, r.actual, r.actual_month, r.reporters, 'reports' AS source
FROM int_actuals_reports r
WHERE NOT EXISTS (SELECT 1 FROM int_actuals_zero_waste z WHERE z.indicator_id = r.indicator_id)
