-- 28号 four kinds (四类企业), month by month, against the same month a year
-- earlier: what leaders read for 同比减少10％以上 (er-01). One row per
-- month of the monthly statistics.
--   four_kinds       enterprises in the four kinds, each once (int_er_four_kinds);
--   stopped … output_down  how many of them fall in each kind; an enterprise
--                    can fall in several, so these may add up to more;
--   excluded_*       enterprises left out that month: seasonal stoppage, or
--                    the exclusion register (注销、破产、计划退库、涉法涉诉);
--   status           target_status of the month's count against the same
--                    month a year earlier, under that year's er-01 target
--                    (not_evaluable in a year the bulletin sets none, or
--                    without last year's month).
WITH monthly AS (
    SELECT
        period,
        year,
        count(*) AS enterprises_reported,
        count(*) FILTER (WHERE is_four_kinds) AS four_kinds,
        count(*) FILTER (WHERE is_four_kinds AND is_stopped) AS stopped,
        count(*) FILTER (WHERE is_four_kinds AND is_low_capacity) AS low_capacity,
        count(*) FILTER (WHERE is_four_kinds AND is_loss_making) AS loss_making,
        count(*) FILTER (WHERE is_four_kinds AND is_output_down) AS output_down,
        count(*) FILTER (WHERE excluded_reason = '季节性停产') AS excluded_seasonal,
        count(*) FILTER (WHERE excluded_reason IS NOT NULL AND excluded_reason <> '季节性停产') AS excluded_register,
        string_agg(enterprise_name || '（' || kinds || '）', '；' ORDER BY enterprise_name) FILTER (WHERE is_four_kinds) AS enterprises
    FROM int_er_four_kinds
    GROUP BY period, year
),
target AS (
    SELECT year, text, comparator, value FROM stg_targets WHERE indicator_id = 'er-01' AND kind = 'target'
)
SELECT
    m.period,
    m.year,
    m.enterprises_reported,
    m.four_kinds,
    m.stopped,
    m.low_capacity,
    m.loss_making,
    m.output_down,
    m.excluded_seasonal,
    m.excluded_register,
    ly.four_kinds AS four_kinds_last_year,
    m.four_kinds - ly.four_kinds AS change,
    round(100.0 * (m.four_kinds - ly.four_kinds) / nullif(ly.four_kinds, 0), 1) AS change_pct,
    t.text AS target_text,
    target_status(m.four_kinds, t.comparator, t.value, ly.four_kinds) AS status,
    m.enterprises
FROM monthly m
LEFT JOIN monthly ly ON ly.period = m.period - INTERVAL 1 YEAR
LEFT JOIN target t ON t.year = m.year
