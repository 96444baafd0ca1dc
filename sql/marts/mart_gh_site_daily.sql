-- 33号 hazard sites day by day, for the dashboard: the day's rain, the
-- highest 1 h / 24 h / 72 h rain and movement rates reached, the level of
-- the last displacement and crack readings, the highest warning level of
-- the day and how many hours were at a warning, and how much of the day's
-- data could be used. One row per site and local day with deliveries
-- (from int_gh_site_hourly; the hour belongs to the day it began in).
-- The time column for Grafana is day.
SELECT
    h.site_id,
    s.name_zh                                                   AS site_name_zh,
    s.type_zh                                                   AS site_type_zh,
    s.zone_code,
    s.town_zh,
    h.day,
    bool_or(h.in_key_period)                                    AS in_key_period,
    round(sum(h.rain_1h), 3)                                    AS rain_mm,
    count(h.rain_1h)                                            AS rain_hours,
    max(h.rain_1h)                                              AS max_rain_1h,
    max(h.rain_24h)                                             AS max_rain_24h,
    max(h.rain_72h)                                             AS max_rain_72h,
    arg_max(h.displacement_mm, h.hour_end) FILTER (WHERE h.displacement_mm IS NOT NULL) AS displacement_mm,
    max(abs(h.displacement_rate_mm_d))                          AS max_displacement_rate_mm_d,
    arg_max(h.crack_mm, h.hour_end) FILTER (WHERE h.crack_mm IS NOT NULL) AS crack_mm,
    max(abs(h.crack_rate_mm_d))                                 AS max_crack_rate_mm_d,
    max(h.warning_rank)                                         AS warning_rank,
    ['none', 'blue', 'yellow', 'orange', 'red'][max(h.warning_rank) + 1] AS warning_level,
    ['无', '蓝色', '黄色', '橙色', '红色'][max(h.warning_rank) + 1]        AS warning_level_zh,
    count(*) FILTER (WHERE h.warning_rank >= 1)                 AS warning_hours,
    CAST(sum(h.readings) AS BIGINT)                             AS readings,
    CAST(sum(h.valid_readings) AS BIGINT)                       AS valid_readings,
    CAST(sum(h.flagged_readings) AS BIGINT)                     AS flagged_readings
FROM int_gh_site_hourly h
LEFT JOIN stg_hazard_sites s USING (site_id)
GROUP BY h.site_id, s.name_zh, s.type_zh, s.zone_code, s.town_zh, h.day
