-- 34号 citizen science literacy toward 14 % by 2025 (sl-01): one row per
-- survey year with its sample, the rate recomputed from the groups
-- (int_sl_survey), the rate the survey printed, and the way to the final
-- target: gap_to_final (target_gap: negative = points still short) and
-- status against the target of the survey's own year where the bulletin
-- sets one (only 2025), else not_evaluable.
WITH final AS (
    SELECT year, text, comparator, value FROM stg_targets
    WHERE indicator_id = 'sl-01' AND kind = 'target'
    QUALIFY row_number() OVER (ORDER BY year DESC) = 1
),
own AS (
    SELECT year, text, comparator, value FROM stg_targets WHERE indicator_id = 'sl-01' AND kind = 'target'
)
SELECT
    s.survey_year AS year,
    s.survey_date,
    s.department,
    s.groups,
    s.group_count,
    s.sample_size,
    s.literate_count,
    round(s.literacy_rate_pct, 2) AS literacy_rate_pct,
    s.reported_rate_pct,
    s.literacy_rate_pct - lag(s.literacy_rate_pct) OVER (ORDER BY s.survey_year) AS change_pts,
    f.year AS final_target_year,
    f.text AS final_target_text,
    f.value AS final_target,
    round(target_gap(s.literacy_rate_pct, f.comparator, f.value), 2) AS gap_to_final,
    o.text AS target_text,
    target_status(s.literacy_rate_pct, o.comparator, o.value, NULL) AS status
FROM int_sl_survey s
CROSS JOIN final f
LEFT JOIN own o ON o.year = s.survey_year
