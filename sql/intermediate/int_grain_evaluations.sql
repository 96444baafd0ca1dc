-- Every per-period and per-case actual (int_indicator_grain: "≥2 per
-- quarter", "each enterprise each month ≥1", "within 5 working days")
-- judged against the target printed for its year, with target_status: the
-- one comparison. A milestone target is scored as "≥ 1" (done by its
-- deadline, see macros/scoring.sql).
-- Choices: a row is judged only against the target of its own year (a
-- year without a printed target leaves it not_evaluable, reason given);
-- year-on-year targets compare with the same period a year earlier, for
-- grains where the indicator has one row per period (month, quarter,
-- year, school_year), never for cases.
WITH grain AS (
    SELECT * FROM int_indicator_grain
),
-- one row per indicator, grain and period: the only rows a year-earlier
-- comparison can use (per-case grains have many rows per period)
periodic AS (
    SELECT indicator_id, grain, period, any_value(actual) AS actual
    FROM grain
    WHERE grain IN ('month', 'quarter', 'year', 'school_year')
    GROUP BY ALL
    HAVING count(*) = 1
),
targets AS (
    SELECT indicator_id, year, text AS target_text, comparator, value AS target
    FROM stg_targets
    WHERE kind = 'target'
)
SELECT
    g.indicator_id,
    g.year,
    g.grain,
    g.period_key,
    g.period,
    g.actual,
    g.detail,
    t.target_text,
    t.comparator,
    t.target,
    p.actual                                                                    AS prev_actual,
    target_status(g.actual, score_comparator(t.comparator), score_target(t.comparator, t.target), p.actual) AS status,
    target_gap(g.actual, score_comparator(t.comparator), score_target(t.comparator, t.target))              AS gap,
    CASE
        WHEN t.indicator_id IS NULL THEN 'no target printed for ' || g.year
        WHEN g.actual IS NULL THEN 'no actual for this period or case'
        WHEN t.comparator IN ('decrease_yoy', 'increase_yoy', 'negative_growth') AND p.actual IS NULL
            THEN 'no value for the same period a year earlier'
    END                                                                         AS not_evaluable_reason
FROM grain g
LEFT JOIN targets t ON t.indicator_id = g.indicator_id AND t.year = g.year
LEFT JOIN periodic p
  ON p.indicator_id = g.indicator_id AND p.grain = g.grain AND p.period = g.period - INTERVAL 1 YEAR
 AND g.grain IN ('month', 'quarter', 'year', 'school_year')
