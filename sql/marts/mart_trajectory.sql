-- Each indicator month by month: the planned path, the actual, and the
-- forecast to the last target year with its ~95 % prediction interval.
-- One row per indicator with a numeric target or an actual, and month from
-- the January after the baseline year (or the first actual or target year,
-- whichever comes first) to December of the last target year.
--
-- planned: the value the plan implies for the year at the end of that
-- month. For a level (a rate, an intensity, a running total) the straight
-- line from the baseline at the end of its year through each numeric
-- yearly target at the end of its year, read at each month's end (no line
-- before the first point: no numeric baseline, no line until the first
-- target's year-end is reached from nothing). For a flow (a yearly sum that
-- restarts each January) the year's target spread evenly: target × month/12.
-- Year-on-year and milestone targets give no planned value.
-- forecast, forecast_low, forecast_high: from int_forecast_monthly (method
-- named); forecast_reason says why there is none.
WITH ind AS (
    SELECT indicator_id, plan_id, name_zh, unit,
           CASE WHEN aggregation = 'sum' AND NOT cumulative THEN 'flow' ELSE 'level' END AS kind
    FROM stg_indicators
),
year_targets AS (
    SELECT indicator_id, year, text AS target_text, comparator, value AS target
    FROM stg_targets
    WHERE kind = 'target'
),
-- the points the planned line of a level runs through
knots AS (
    SELECT indicator_id, make_date(year, 12, 31) AS at, value
    FROM stg_targets
    WHERE value IS NOT NULL AND year IS NOT NULL
      AND ((kind = 'baseline' AND comparator IN ('=', 'none'))
        OR (kind = 'target' AND comparator IN ('=', '<=', '<', '>=', '>')))
    -- a year with both a baseline and a target: the target is the plan
    QUALIFY row_number() OVER (PARTITION BY indicator_id, year ORDER BY kind = 'target' DESC) = 1
),
span AS (
    SELECT i.indicator_id,
           least(min(make_date(b.year + 1, 1, 1)), min(make_date(t.year, 1, 1)), min(a.period)) AS first_month,
           make_date(max(t.year), 12, 1) AS last_month
    FROM ind i
    LEFT JOIN stg_targets b ON b.indicator_id = i.indicator_id AND b.kind = 'baseline' AND b.year IS NOT NULL
    LEFT JOIN stg_targets t ON t.indicator_id = i.indicator_id AND t.kind = 'target'
    LEFT JOIN int_indicator_actuals a ON a.indicator_id = i.indicator_id
    GROUP BY i.indicator_id
    HAVING max(t.year) IS NOT NULL
),
months AS (
    SELECT indicator_id,
           CAST(unnest(generate_series(first_month, last_month, INTERVAL 1 MONTH)) AS DATE) AS period
    FROM span
),
month_ends AS (
    SELECT m.*, last_day(m.period) AS month_end, CAST(year(m.period) AS INTEGER) AS year
    FROM months m
),
level_plan AS (
    SELECT e.indicator_id, e.period,
           CASE
               WHEN k0.at = e.month_end THEN k0.value
               WHEN k0.at IS NULL OR k1.at IS NULL THEN NULL
               ELSE k0.value + (k1.value - k0.value) * date_diff('day', k0.at, e.month_end) / date_diff('day', k0.at, k1.at)
           END AS planned
    FROM month_ends e
    ASOF LEFT JOIN knots k0 ON k0.indicator_id = e.indicator_id AND k0.at <= e.month_end
    ASOF LEFT JOIN knots k1 ON k1.indicator_id = e.indicator_id AND k1.at >= e.month_end
),
actuals AS (
    SELECT indicator_id, period, actual, actual_month, source
    FROM int_indicator_actuals
    QUALIFY row_number() OVER (PARTITION BY indicator_id, period ORDER BY source) = 1
)
SELECT
    e.indicator_id,
    i.plan_id,
    i.name_zh,
    i.unit,
    i.kind,
    e.period,
    e.year,
    t.target_text,
    t.target,
    CASE
        WHEN i.kind = 'flow' THEN IF(t.comparator IN ('=', '<=', '<', '>=', '>'), t.target * month(e.period) / 12, NULL)
        ELSE lp.planned
    END                                                    AS planned,
    a.actual,
    a.actual_month,
    a.source,
    fm.forecast,
    fm.forecast_low,
    fm.forecast_high,
    IF(fm.indicator_id IS NOT NULL, fm.method, NULL)       AS forecast_method,
    CASE
        WHEN fm.indicator_id IS NOT NULL THEN NULL
        WHEN f.refused IS NOT NULL THEN f.refused
        WHEN e.period <= f.last_period THEN 'not after the last actual'
    END                                                    AS forecast_reason
FROM month_ends e
JOIN ind i USING (indicator_id)
LEFT JOIN year_targets t ON t.indicator_id = e.indicator_id AND t.year = e.year
LEFT JOIN level_plan lp ON lp.indicator_id = e.indicator_id AND lp.period = e.period
LEFT JOIN actuals a ON a.indicator_id = e.indicator_id AND a.period = e.period
LEFT JOIN int_indicator_forecast f ON f.indicator_id = e.indicator_id
LEFT JOIN int_forecast_monthly fm ON fm.indicator_id = e.indicator_id AND fm.period = e.period
