-- The forecast month by month, from the month after the last actual to
-- December of the indicator's last target year, for every indicator whose
-- trend int_indicator_forecast did not refuse. The value is the year's
-- value as it would stand that month: for a level, the trend line; for a
-- flow, the year's reported total so far plus the trend's amounts for the
-- months still to come (so December is the forecast of the year's total).
-- Interval (~95 %): forecast ± t975(n-2) × se, with, for a level at month
-- x0, se² = s²(1 + 1/n + (x0 - x̄)²/Sxx), and for a flow summed over k
-- forecast months x1..xk of the year, se² = s²(k + k²/n + (Σ(xj - x̄))²/Sxx)
-- (the new months' own scatter plus the uncertainty of the line).
WITH months AS (
    SELECT f.*,
           CAST(unnest(generate_series(f.last_period + INTERVAL 1 MONTH,
                                       make_date(f.last_target_year, 12, 1),
                                       INTERVAL 1 MONTH)) AS DATE) AS period
    FROM int_indicator_forecast f
    WHERE f.refused IS NULL
),
points AS (
    SELECT *,
           12 * year(period) + month(period) - 1 AS x0
    FROM months
),
predicted AS (
    SELECT *,
           intercept + slope * x0 AS yhat,
           -- running over the forecast months of the same year (flows)
           count(*)         OVER ytd AS k,
           sum(intercept + slope * x0) OVER ytd AS sum_yhat,
           sum(x0 - mean_x) OVER ytd AS sum_dx,
           -- what the year already holds: the last reported total, when the
           -- last actual is in this year
           CASE WHEN year(period) = year(last_period) THEN last_actual ELSE 0 END AS reported_so_far
    FROM points
    WINDOW ytd AS (PARTITION BY indicator_id, year(period) ORDER BY period ROWS UNBOUNDED PRECEDING)
),
valued AS (
    SELECT *,
           CASE kind WHEN 'flow' THEN reported_so_far + sum_yhat ELSE yhat END AS forecast,
           CASE kind
               WHEN 'flow' THEN residual_se * sqrt(k + k * k / n + sum_dx * sum_dx / sxx)
               ELSE residual_se * sqrt(1 + 1.0 / n + (x0 - mean_x) ^ 2 / sxx)
           END AS se
    FROM predicted
)
SELECT
    indicator_id,
    CAST(year(period) AS INTEGER) AS year,
    period,
    kind,
    forecast,
    forecast - t975(n - 2) * se   AS forecast_low,
    forecast + t975(n - 2) * se   AS forecast_high,
    se                            AS forecast_se,
    n,
    method
FROM valued
