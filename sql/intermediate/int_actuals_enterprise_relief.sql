-- Yearly actuals of the enterprise_relief plan (伊政发〔2023〕28号) computed
-- from source records, one row per indicator and month reported: the value
-- for the year as known at that month.
-- Shape shared by every int_actuals_<plan> model (int_indicator_actuals
-- unions them): indicator_id, year, period (first day of the month),
-- actual, actual_month, reporters, source.
--
-- er-01 四类企业数量: the number of enterprises in the four kinds that
-- month, each counted once (int_er_four_kinds). The year's figure as known
-- at a month is that month's count (a level, like any 'last' indicator),
-- so at year end the scorecard compares December with the December before
-- against 同比减少10％以上; mart_er_four_kinds compares every month with
-- the same month a year earlier. reporters: enterprises in that month's
-- statistics. The other indicators of the plan are evaluated per period or
-- per case (int_grain_enterprise_relief) or come from department reports
-- (int_actuals_reports); seeds/paths_enterprise_relief.csv says which.
WITH monthly AS (
    SELECT period,
           count(*) FILTER (WHERE is_four_kinds) AS four_kinds,
           count(*) AS reporters
    FROM int_er_four_kinds
    GROUP BY period
)
SELECT
    i.indicator_id,
    CAST(year(m.period) AS INTEGER) AS year,
    m.period,
    CAST(m.four_kinds AS DOUBLE) AS actual,
    CAST(m.four_kinds AS DOUBLE) AS actual_month,
    m.reporters,
    'records' AS source
FROM monthly m
JOIN stg_indicators i ON i.indicator_id = 'er-01'
