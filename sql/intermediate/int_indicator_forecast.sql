-- The trend each indicator's forecast extends, one row per indicator: a
-- straight line fitted by least squares (regr_slope / regr_intercept) to
-- its last 24 monthly values, with the residual standard error that sizes
-- the ~95 % prediction interval (int_forecast_monthly).
--
-- The series: for a level (a rate, an intensity, a running total:
-- aggregation 'last' or cumulative) the year's value as known each month;
-- for a flow (aggregation 'sum': tonnes, events, money) the month's own
-- amount, which the forecast adds up to the year's total.
-- What it assumes: the recent trend continues in a straight line, and the
-- months scatter around it independently with one spread (no seasonality,
-- no autocorrelation); a ratio computed year to date is read as a level.
-- When it refuses (refused says why, and no forecast is made): no actuals;
-- a milestone target (nothing numeric to extend); no numeric target to
-- forecast toward ("逐年提高" alone); fewer than 6 monthly values; or the
-- last target year is already reported to December.
WITH ind AS (
    SELECT indicator_id,
           CASE WHEN aggregation = 'sum' AND NOT cumulative THEN 'flow' ELSE 'level' END AS kind
    FROM stg_indicators
),
horizon AS (
    SELECT indicator_id,
           max(year)                                                                   AS last_target_year,
           bool_or(comparator = 'milestone')                                           AS has_milestone,
           bool_or(comparator IN ('=', '<=', '<', '>=', '>') AND value IS NOT NULL)    AS has_numeric
    FROM stg_targets
    WHERE kind = 'target'
    GROUP BY indicator_id
),
points AS (
    SELECT a.indicator_id, a.period, a.actual,
           CASE i.kind WHEN 'flow' THEN a.actual_month ELSE a.actual END AS y,
           -- months counted from year 0: equally spaced, so the slope is per month
           12 * year(a.period) + month(a.period) - 1                      AS x
    FROM int_indicator_actuals a
    JOIN ind i USING (indicator_id)
),
recent AS (
    SELECT * FROM points
    WHERE y IS NOT NULL
    QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY period DESC) <= 24
),
fit AS (
    SELECT indicator_id,
           CAST(regr_count(y, x) AS BIGINT) AS n,
           regr_slope(y, x)     AS slope,
           regr_intercept(y, x) AS intercept,
           regr_avgx(y, x)      AS mean_x,
           regr_sxx(y, x)       AS sxx,
           -- residual standard error: sqrt(SSE / (n - 2)), SSE = Syy - Sxy² / Sxx
           sqrt(greatest(regr_syy(y, x) - regr_sxy(y, x) ^ 2 / nullif(regr_sxx(y, x), 0), 0)
                / nullif(CAST(regr_count(y, x) AS BIGINT) - 2, 0)) AS residual_se,
           min(period)          AS first_period
    FROM recent
    GROUP BY indicator_id
),
last_actual AS (
    SELECT indicator_id, period AS last_period, actual AS last_actual
    FROM points
    QUALIFY row_number() OVER (PARTITION BY indicator_id ORDER BY period DESC) = 1
)
SELECT
    i.indicator_id,
    i.kind,
    h.last_target_year,
    f.n,
    f.first_period,
    l.last_period,
    l.last_actual,
    f.slope,
    f.intercept,
    f.mean_x,
    f.sxx,
    f.residual_se,
    'least-squares linear trend over the last 24 monthly values; 95% prediction interval (t, n-2 df)' AS method,
    CASE
        WHEN f.n IS NULL OR f.n = 0 THEN 'no actuals'
        WHEN h.has_milestone THEN 'milestone target: no numeric trend to extend'
        WHEN NOT coalesce(h.has_numeric, false) THEN 'no numeric target to forecast toward'
        WHEN f.n < 6 THEN printf('fewer than 6 monthly values (%d)', f.n)
        WHEN l.last_period >= make_date(h.last_target_year, 12, 1) THEN 'the last target year is reported to December'
    END AS refused
FROM ind i
LEFT JOIN horizon h USING (indicator_id)
LEFT JOIN fit f USING (indicator_id)
LEFT JOIN last_actual l USING (indicator_id)
