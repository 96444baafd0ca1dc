-- What this build changed on the scorecard since the previous build: one
-- row per indicator and target year whose actual, as-of month, status or
-- light differs from the previous build's (previous_scorecard_history,
-- carried by the runner), or that appeared or disappeared. Empty on a
-- first build. Actuals are compared at 9 decimals, as target_status does.
WITH previous_build AS (
    SELECT max(built_at) AS built_at
    FROM previous_scorecard_history
    WHERE built_at < (SELECT built_at FROM build_context)
),
prev AS (
    SELECT h.*
    FROM previous_scorecard_history h
    JOIN previous_build b USING (built_at)
),
cur AS (
    SELECT indicator_id, year, as_of_period, actual, status, light FROM mart_scorecard
)
SELECT
    coalesce(c.indicator_id, p.indicator_id)                      AS indicator_id,
    CAST(coalesce(c.year, p.year) AS INTEGER)                     AS year,
    CASE
        WHEN p.indicator_id IS NULL THEN 'new'
        WHEN c.indicator_id IS NULL THEN 'removed'
        ELSE 'changed'
    END                                                           AS change,
    concat_ws(', ',
        IF(round(c.actual, 9) IS DISTINCT FROM round(p.actual, 9), 'actual', NULL),
        IF(c.as_of_period IS DISTINCT FROM p.as_of_period, 'as_of_period', NULL),
        IF(c.status IS DISTINCT FROM p.status, 'status', NULL),
        IF(c.light IS DISTINCT FROM p.light, 'light', NULL))     AS changed,
    p.as_of_period                                                AS previous_as_of_period,
    c.as_of_period,
    p.actual                                                      AS previous_actual,
    c.actual,
    c.actual - p.actual                                           AS actual_change,
    p.status                                                      AS previous_status,
    c.status,
    p.light                                                       AS previous_light,
    c.light,
    (SELECT built_at FROM previous_build)                         AS previous_built_at,
    (SELECT built_at FROM build_context)                          AS built_at
FROM cur c
FULL JOIN prev p ON p.indicator_id = c.indicator_id AND p.year = c.year
WHERE (SELECT built_at FROM previous_build) IS NOT NULL
  AND (p.indicator_id IS NULL OR c.indicator_id IS NULL
       OR round(c.actual, 9) IS DISTINCT FROM round(p.actual, 9)
       OR c.as_of_period IS DISTINCT FROM p.as_of_period
       OR c.status IS DISTINCT FROM p.status
       OR c.light IS DISTINCT FROM p.light)
