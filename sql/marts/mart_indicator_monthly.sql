-- Month by month, each indicator's computed actual (year to date and for
-- the month alone) beside the target of that year: what the dashboards
-- plot. Published to PostgreSQL with the other marts.
SELECT
    a.indicator_id,
    i.plan_id,
    i.name_zh,
    i.unit,
    a.period,
    a.year,
    a.actual,
    a.actual_month,
    a.reporters,
    t.text  AS target_text,
    t.value AS target
FROM int_indicator_actuals a
JOIN stg_indicators i USING (indicator_id)
LEFT JOIN stg_targets t ON t.indicator_id = a.indicator_id AND t.kind = 'target' AND t.year = a.year
