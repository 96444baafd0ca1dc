-- 33号 hazard monitoring at hourly grain for the Grafana dashboard: per site
-- and hour the rain over 1 h / 24 h / 72 h, displacement and crack rates,
-- the warning level, and the site's yellow / orange / red thresholds beside
-- each, so a panel draws the thresholds as lines from the same row (Grafana
-- thresholds are fixed per panel; a site may override the defaults).
-- Hourly rows, not raw readings: int_gh_site_hourly already drops readings
-- flagged by quality control (duplicates, shifted clocks, spikes, stuck).
WITH t AS (
    SELECT site_id,
           max(yellow) FILTER (WHERE channel = 'rainfall_mm' AND "window" = '1h')      AS rain_1h_yellow,
           max(red)    FILTER (WHERE channel = 'rainfall_mm' AND "window" = '1h')      AS rain_1h_red,
           max(yellow) FILTER (WHERE channel = 'rainfall_mm' AND "window" = '24h')     AS rain_24h_yellow,
           max(orange) FILTER (WHERE channel = 'rainfall_mm' AND "window" = '24h')     AS rain_24h_orange,
           max(red)    FILTER (WHERE channel = 'rainfall_mm' AND "window" = '24h')     AS rain_24h_red,
           max(yellow) FILTER (WHERE channel = 'rainfall_mm' AND "window" = '72h')     AS rain_72h_yellow,
           max(red)    FILTER (WHERE channel = 'rainfall_mm' AND "window" = '72h')     AS rain_72h_red,
           max(yellow) FILTER (WHERE channel = 'displacement_mm' AND "window" = '24h') AS displacement_yellow,
           max(orange) FILTER (WHERE channel = 'displacement_mm' AND "window" = '24h') AS displacement_orange,
           max(red)    FILTER (WHERE channel = 'displacement_mm' AND "window" = '24h') AS displacement_red
    FROM int_gh_thresholds
    GROUP BY site_id
)
SELECT
    h.site_id,
    h.hour_end                  AS hour,
    h.day,
    h.in_key_period,
    h.readings,
    h.valid_readings,
    h.flagged_readings,
    h.rain_1h,
    h.rain_24h,
    h.rain_72h,
    h.displacement_mm,
    h.displacement_rate_mm_d,
    h.crack_mm,
    h.crack_rate_mm_d,
    h.warning_rank,
    h.warning_level,
    h.warning_level_zh,
    t.* EXCLUDE (site_id)
FROM int_gh_site_hourly h
LEFT JOIN t USING (site_id)
ORDER BY h.site_id, h.hour_end
