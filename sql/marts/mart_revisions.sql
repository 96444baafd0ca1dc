-- Every reported value as first reported and as last revised: one row per
-- data set, department, month, key and measure, for the departments'
-- indicator reports (indicator_reports: the value per indicator) and the
-- enterprise records the actuals are computed from (zw_industrial_solid_waste
-- and er_enterprise_monthly: each tonnage or amount per enterprise).
--
-- A department's later file for a month replaces its earlier file whole
-- (staging's supersede_by_submission, revision 1 = the current file), so:
--   first_value  the value in the earliest file that held the key;
--   last_value   the value in the current file (NULL: the correction
--                dropped it);
--   state        unchanged | revised (the value changed) | withdrawn (the
--                current file no longer holds the key) | added (it first
--                appeared in a correction).
-- What changed between two builds of the warehouse is mart_build_changes.
WITH reported AS (
    SELECT 'indicator_reports' AS dataset, department, period, indicator_id AS key, 'value' AS measure,
           value, revision, _submitted_at AS submitted_at, _file AS file
    FROM stg_indicator_reports
    UNION ALL
    SELECT 'zw_industrial_solid_waste', department, period, enterprise_code, measure,
           value, revision, _submitted_at, _file
    FROM stg_zw_industrial_solid_waste
    UNPIVOT INCLUDE NULLS (value FOR measure IN (generated_t, utilised_t, disposed_t, stored_t))
    UNION ALL
    SELECT 'er_enterprise_monthly', department, period, enterprise_code, measure,
           value, revision, _submitted_at, _file
    FROM stg_er_enterprise_monthly
    UNPIVOT INCLUDE NULLS (value FOR measure IN (capacity_utilisation_pct, output_value_wan, output_value_prev_year_wan, profit_wan))
),
files AS (
    SELECT dataset, department, period, max(revision) AS files
    FROM reported
    GROUP BY ALL
),
per_key AS (
    SELECT dataset, department, period, key, measure,
           arg_max(value, revision)                               AS first_value,
           max(revision)                                          AS first_revision,
           min(submitted_at)                                      AS first_submitted_at,
           arg_max(file, revision)                                AS first_file,
           any_value(value) FILTER (WHERE revision = 1)           AS last_value,
           any_value(submitted_at) FILTER (WHERE revision = 1)    AS last_submitted_at,
           any_value(file) FILTER (WHERE revision = 1)            AS last_file,
           bool_or(revision = 1)                                  AS in_current,
           count(*)                                               AS times_reported
    FROM reported
    GROUP BY ALL
)
SELECT
    k.dataset,
    k.department,
    CAST(k.period AS DATE)                                        AS period,
    k.key,
    k.measure,
    CAST(k.first_value AS DOUBLE)                                 AS first_value,
    CAST(k.last_value AS DOUBLE)                                  AS last_value,
    CAST(k.last_value - k.first_value AS DOUBLE)                  AS change,
    CAST(100.0 * (k.last_value - k.first_value) / nullif(abs(k.first_value), 0) AS DOUBLE) AS change_pct,
    CASE
        WHEN NOT k.in_current THEN 'withdrawn'
        WHEN k.first_revision < f.files THEN 'added'
        WHEN k.first_value IS DISTINCT FROM k.last_value THEN 'revised'
        ELSE 'unchanged'
    END                                                           AS state,
    k.times_reported,
    f.files                                                       AS files_for_month,
    k.first_submitted_at,
    k.last_submitted_at,
    k.first_file,
    k.last_file
FROM per_key k
JOIN files f USING (dataset, department, period)
