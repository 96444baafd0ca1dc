-- The leaders' scorecard: one row per indicator and target year, with the
-- baseline and target as printed, the latest year-to-date actual, the gap
-- and the status from the one evaluation (target_status).
WITH latest AS (
    SELECT * FROM int_indicator_actuals
    QUALIFY row_number() OVER (PARTITION BY indicator_id, year ORDER BY period DESC) = 1
),
prev AS (
    SELECT indicator_id, year + 1 AS year, actual AS prev_actual FROM latest
),
base AS (
    SELECT indicator_id, year AS baseline_year, text AS baseline_text, value AS baseline
    FROM stg_targets WHERE kind = 'baseline'
)
SELECT
    i.indicator_id,
    i.plan_id,
    i.doc_no,
    i.seq,
    i.name_zh,
    i.name_en,
    i.mark,
    i.unit,
    i.direction,
    i.departments,
    b.baseline_year,
    b.baseline_text,
    b.baseline,
    t.year,
    t.text                 AS target_text,
    t.comparator,
    t.value                AS target,
    l.period               AS as_of_period,
    l.actual,
    p.prev_actual,
    target_gap(l.actual, t.comparator, t.value)                 AS gap,
    target_status(l.actual, t.comparator, t.value, p.prev_actual) AS status
FROM stg_indicators i
JOIN stg_targets t ON t.indicator_id = i.indicator_id AND t.kind = 'target'
LEFT JOIN base b ON b.indicator_id = i.indicator_id
LEFT JOIN latest l ON l.indicator_id = i.indicator_id AND l.year = t.year
LEFT JOIN prev p ON p.indicator_id = i.indicator_id AND p.year = t.year
