-- Per-period and per-case results rolled up to the indicator and year:
-- how many periods or cases were judged, met, not met, the share met, and
-- which failed. The scorecard uses share_met as the yearly actual of these
-- indicators and expects 100 % (every period or case meets its target).
-- share_met counts only rows that could be judged (met + not met); rows
-- that could not are counted in not_evaluable, never as met.
SELECT
    indicator_id,
    year,
    string_agg(DISTINCT grain, ',' ORDER BY grain)                              AS grain,
    count(*)                                                                    AS periods,
    count(*) FILTER (WHERE status = 'met')                                      AS met,
    count(*) FILTER (WHERE status = 'not_met')                                  AS not_met,
    count(*) FILTER (WHERE status = 'not_evaluable')                            AS not_evaluable,
    100.0 * count(*) FILTER (WHERE status = 'met')
          / nullif(count(*) FILTER (WHERE status IN ('met', 'not_met')), 0)     AS share_met,
    max(period)                                                                 AS last_period,
    coalesce(list(period_key ORDER BY period, period_key) FILTER (WHERE status = 'not_met'), [])
                                                                                AS failed_keys,
    string_agg(period_key || coalesce(' (' || detail || ')', ''), '; ' ORDER BY period, period_key)
        FILTER (WHERE status = 'not_met')                                       AS failed
FROM int_grain_evaluations
GROUP BY indicator_id, year
