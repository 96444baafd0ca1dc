-- 33号 sensor warnings as events: the warning hours of a site
-- (int_gh_site_hourly, level blue or above) grouped into one warning per
-- spell. A spell ends when the site has gone more than 3 hours without a
-- warning hour, so a storm that eases for an hour stays one warning, and
-- two storms a day apart are two. One row per site and spell: its highest
-- level, when it started, peaked and ended, and what set the peak.
WITH hours AS (
    SELECT *,
        coalesce(hour_end - lag(hour_end) OVER (PARTITION BY site_id ORDER BY hour_end) > INTERVAL 3 HOUR, true) AS starts_spell
    FROM int_gh_site_hourly
    WHERE warning_rank >= 1
),
spells AS (
    SELECT *, sum(CAST(starts_spell AS INTEGER)) OVER (PARTITION BY site_id ORDER BY hour_end) AS spell
    FROM hours
),
peaks AS (
    -- the first hour at the spell's highest level
    SELECT * FROM spells
    QUALIFY row_number() OVER (PARTITION BY site_id, spell ORDER BY warning_rank DESC, hour_end) = 1
),
spans AS (
    SELECT site_id, spell,
        min(hour_end) - INTERVAL 1 HOUR                 AS started_at,
        max(hour_end)                                   AS ended_at,
        count(*)                                        AS warning_hours,
        count(*) FILTER (WHERE warning_rank = 4)        AS red_hours,
        count(*) FILTER (WHERE warning_rank = 3)        AS orange_hours,
        count(*) FILTER (WHERE warning_rank = 2)        AS yellow_hours,
        count(*) FILTER (WHERE warning_rank = 1)        AS blue_hours,
        max(rain_1h)                                    AS max_rain_1h,
        max(rain_24h)                                   AS max_rain_24h,
        max(rain_72h)                                   AS max_rain_72h,
        max(abs(displacement_rate_mm_d))               AS max_displacement_rate_mm_d,
        max(abs(crack_rate_mm_d))                      AS max_crack_rate_mm_d,
        -- a warning counts in the key period when it began inside it
        arg_min(in_key_period, hour_end)                AS in_key_period
    FROM spells
    GROUP BY site_id, spell
)
SELECT
    s.site_id || '@' || strftime(s.started_at, '%Y-%m-%dT%H:%M') AS warning_id,
    s.site_id,
    s.started_at,
    p.hour_end                      AS peak_at,
    s.ended_at,
    s.warning_hours,
    p.warning_rank,
    p.warning_level,
    p.warning_level_zh,
    s.red_hours,
    s.orange_hours,
    s.yellow_hours,
    s.blue_hours,
    p.trigger_channel,
    p.trigger_window,
    p.trigger_value,
    p.trigger_threshold,
    p.triggers                      AS triggers_at_peak,
    s.max_rain_1h,
    s.max_rain_24h,
    s.max_rain_72h,
    s.max_displacement_rate_mm_d,
    s.max_crack_rate_mm_d,
    s.in_key_period
FROM spans s
JOIN peaks p USING (site_id, spell)
