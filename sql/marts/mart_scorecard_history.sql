-- The scorecard as each of the last 20 builds saw it: one row per build,
-- indicator and target year. The runner copies the previous version's
-- history into previous_scorecard_history before the models run (empty on
-- a first build, or when the previous version cannot be read); this build
-- adds its own rows. Columns are those the runner carries forward
-- (models/context.go, historyColumns): add one there and here together.
WITH kept_builds AS (
    SELECT DISTINCT built_at
    FROM previous_scorecard_history
    ORDER BY built_at DESC
    LIMIT 19
)
SELECT built_at, indicator_id, CAST(year AS INTEGER) AS year, as_of_period, actual, status, light, progress_pct
FROM previous_scorecard_history
WHERE built_at IN (SELECT built_at FROM kept_builds)
  AND built_at < (SELECT built_at FROM build_context)
UNION ALL
SELECT (SELECT built_at FROM build_context), indicator_id, year, as_of_period, actual, status, light, progress_pct
FROM mart_scorecard
