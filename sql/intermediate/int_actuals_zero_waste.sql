-- Actuals of zero-waste indicators computed from department submissions,
-- year to date: one row per indicator, year and month reported.
-- 一般工业固体废物综合利用率 = utilised tonnage / generated tonnage, in %.
WITH monthly AS (
    SELECT period, sum(utilised_t) AS utilised_t, sum(generated_t) AS generated_t,
           count(DISTINCT enterprise_code) AS reporters
    FROM stg_zw_industrial_solid_waste
    WHERE is_latest
    GROUP BY period
)
SELECT
    i.indicator_id,
    CAST(year(m.period) AS INTEGER) AS year,
    m.period,
    100.0 * sum(m.utilised_t) OVER ytd / nullif(sum(m.generated_t) OVER ytd, 0) AS actual,
    100.0 * m.utilised_t / nullif(m.generated_t, 0) AS actual_month,
    m.reporters,
    'records' AS source
FROM monthly m
JOIN stg_indicators i
  ON i.plan_id = 'zero_waste' AND i.name_zh = '一般工业固体废物综合利用率'
WINDOW ytd AS (PARTITION BY year(m.period) ORDER BY m.period)
