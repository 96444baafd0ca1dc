-- Actuals of yearly-target indicators from departments' monthly reports
-- (indicator_reports), year to date, one row per indicator and month.
-- When several departments report one indicator, the first department the
-- bulletin lists for it (the lead) counts; the others stay in staging.
-- aggregation 'last': the month's figure is already year to date (a rate,
-- an intensity, a running total); 'sum': monthly amounts add up.
WITH reports AS (
    SELECT r.indicator_id, r.period, r.department, r.value,
           i.aggregation,
           coalesce(list_position(i.department_list, r.department), 1000) AS dept_rank
    FROM stg_indicator_reports r
    JOIN stg_indicators i USING (indicator_id)
    WHERE r.is_latest AND i.frequency = 'year'
),
lead AS (
    SELECT * FROM reports
    QUALIFY dept_rank = min(dept_rank) OVER (PARTITION BY indicator_id)
        AND row_number() OVER (PARTITION BY indicator_id, period ORDER BY dept_rank, department) = 1
)
SELECT
    indicator_id,
    CAST(year(period) AS INTEGER) AS year,
    period,
    CASE aggregation
        WHEN 'sum' THEN sum(value) OVER (PARTITION BY indicator_id, year(period) ORDER BY period)
        ELSE value
    END AS actual,
    value AS actual_month,
    1 AS reporters
FROM lead
