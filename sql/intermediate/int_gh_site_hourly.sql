-- 33号 hazard sites hour by hour: rainfall over 1, 24 and 72 hours,
-- surface-displacement and crack rates, and the warning level those
-- figures reach against the thresholds (int_gh_thresholds). One row per
-- site and hour in which the site's logger delivered anything.
--
-- Hours are the hour ending at hour_end (rain gauges report the rain of the
-- hour before their stamp). Only valid readings (int_gh_readings_clean)
-- count; flagged ones are counted, never used (time-shifted ones are left
-- out: the hour they claim is not when they were taken). Readings are aggregated to
-- hours first, the windows then run over hours:
--   rain_1h           rain of the hour (sum of the readings in it)
--   rain_24h, _72h    rain of the 24 / 72 hours ending at hour_end, over
--                     the hours the gauge delivered; rain_hours_24h/_72h
--                     say how many, so a sum over a gap reads as the lower
--                     bound it is (a warning it reaches is certain)
--   *_rate_mm_d       change of the last level of the hour against the
--                     last level of the hour 24 hours earlier (mm per 24 h);
--                     NULL when either hour has no valid level
-- warning_level is the highest colour any of the five measures reaches;
-- the trigger columns name the measure that set it (ties: the one
-- furthest over its threshold). Rates are judged by their size: a crack
-- closing fast is as abnormal as one opening.
WITH hourly AS (
    -- one pass over the readings: per site and hour, each channel's figure
    SELECT
        site_id,
        -- the hour a reading's slot ends in (the slot, not the raw stamp)
        CAST(ceil(epoch(slot_end) / 3600) AS BIGINT)                                   AS h,
        count(*)                                                                       AS readings,
        count(*) FILTER (WHERE is_valid)                                               AS valid_readings,
        sum(value) FILTER (WHERE is_valid AND channel = 'rainfall_mm')                 AS rain_1h,
        arg_max(value, ts) FILTER (WHERE is_valid AND channel = 'displacement_mm')     AS displacement_mm,
        arg_max(value, ts) FILTER (WHERE is_valid AND channel = 'crack_mm')            AS crack_mm
    FROM int_gh_readings_clean
    -- a time-shifted reading's stamp is not when it was taken, and an
    -- unknown station is no site: neither belongs to a site's hour
    WHERE quality_flag NOT IN ('time_shifted', 'unknown_site')
    GROUP BY ALL
),
dense AS (
    -- every hour from the site's first to its last delivery, so that the
    -- windows below can count rows (ROWS frames are much cheaper than
    -- RANGE frames); hours nothing arrived for are NULL
    SELECT g.site_id, g.h, hr.* EXCLUDE (site_id, h)
    FROM (
        SELECT site_id, unnest(range(min(h), max(h) + 1)) AS h FROM hourly GROUP BY site_id
    ) g
    LEFT JOIN hourly hr USING (site_id, h)
),
site_hour AS (
    -- then the windows over hours, one sort for all of them; a rate is the
    -- change against the level exactly 24 hours before
    SELECT *
    FROM (
        SELECT *,
            sum(rain_1h) OVER w24                                                      AS rain_24h,
            count(rain_1h) OVER w24                                                    AS rain_hours_24h,
            sum(rain_1h) OVER w72                                                      AS rain_72h,
            count(rain_1h) OVER w72                                                    AS rain_hours_72h,
            displacement_mm - lag(displacement_mm, 24) OVER w                          AS displacement_rate_mm_d,
            crack_mm - lag(crack_mm, 24) OVER w                                        AS crack_rate_mm_d
        FROM dense
        WINDOW w   AS (PARTITION BY site_id ORDER BY h),
               w24 AS (w ROWS BETWEEN 23 PRECEDING AND CURRENT ROW),
               w72 AS (w ROWS BETWEEN 71 PRECEDING AND CURRENT ROW)
    )
    WHERE readings IS NOT NULL
),
measures AS (
    UNPIVOT (
        -- judged as shown: rounded like the output columns. Only hours where
        -- some measure reaches the lowest blue threshold any site has for
        -- it can warn: the rest (nearly all) skip the threshold join.
        SELECT site_id, h, round(rain_1h, 3) AS rain_1h, round(rain_24h, 3) AS rain_24h, round(rain_72h, 3) AS rain_72h,
               round(abs(displacement_rate_mm_d), 3) AS displacement_24h, round(abs(crack_rate_mm_d), 3) AS crack_24h
        FROM site_hour
        WHERE rain_1h  >= (SELECT min(blue) FROM int_gh_thresholds WHERE channel = 'rainfall_mm' AND "window" = '1h')
           OR rain_24h >= (SELECT min(blue) FROM int_gh_thresholds WHERE channel = 'rainfall_mm' AND "window" = '24h')
           OR rain_72h >= (SELECT min(blue) FROM int_gh_thresholds WHERE channel = 'rainfall_mm' AND "window" = '72h')
           OR abs(displacement_rate_mm_d) >= (SELECT min(blue) FROM int_gh_thresholds WHERE channel = 'displacement_mm' AND "window" = '24h')
           OR abs(crack_rate_mm_d) >= (SELECT min(blue) FROM int_gh_thresholds WHERE channel = 'crack_mm' AND "window" = '24h')
    )
    ON rain_1h, rain_24h, rain_72h, displacement_24h, crack_24h
    INTO NAME measure VALUE value
),
-- which threshold row each measure is judged by
measure_map(measure, channel, "window") AS (
    VALUES ('rain_1h', 'rainfall_mm', '1h'), ('rain_24h', 'rainfall_mm', '24h'), ('rain_72h', 'rainfall_mm', '72h'),
           ('displacement_24h', 'displacement_mm', '24h'), ('crack_24h', 'crack_mm', '24h')
),
crossed AS (
    SELECT m.site_id, m.h, t.channel, t."window", m.value,
        CASE WHEN m.value >= t.red THEN 4 WHEN m.value >= t.orange THEN 3
             WHEN m.value >= t.yellow THEN 2 ELSE 1 END AS warning_rank,
        t.blue, t.yellow, t.orange, t.red
    FROM measures m
    JOIN measure_map USING (measure)
    JOIN int_gh_thresholds t USING (site_id, channel, "window")
    WHERE m.value >= t.blue
),
worst AS (
    SELECT site_id, h,
        max(warning_rank) AS warning_rank,
        arg_max({'channel': channel, 'window': "window", 'value': value,
                 'threshold': [blue, yellow, orange, red][warning_rank]},
                warning_rank * 1e6 + least(value / [blue, yellow, orange, red][warning_rank], 1e5)) AS t,
        -- every measure at or above blue, e.g. "rainfall_mm 24h 132.8 ≥ red 100"
        string_agg(channel || ' ' || "window" || ' ' || value || ' ≥ ' ||
                   ['blue', 'yellow', 'orange', 'red'][warning_rank] || ' ' || [blue, yellow, orange, red][warning_rank],
                   '; ' ORDER BY warning_rank DESC, channel, "window") AS triggers
    FROM crossed
    GROUP BY site_id, h
)
SELECT
    s.site_id,
    to_timestamp(s.h * 3600)                                   AS hour_end,
    d.day,
    -- the hour began inside 33号's key prevention period (5月1日至9月30日)
    d.day BETWEEN make_date(year(d.day), k.from_month, k.from_day)
              AND make_date(year(d.day), k.to_month, k.to_day) AS in_key_period,
    s.readings,
    s.valid_readings,
    s.readings - s.valid_readings                              AS flagged_readings,
    -- sums of 0.1 mm readings carry float noise (150.70000000000002)
    round(s.rain_1h, 3)                                        AS rain_1h,
    round(s.rain_24h, 3)                                       AS rain_24h,
    s.rain_hours_24h,
    round(s.rain_72h, 3)                                       AS rain_72h,
    s.rain_hours_72h,
    s.displacement_mm,
    round(s.displacement_rate_mm_d, 3)                         AS displacement_rate_mm_d,
    s.crack_mm,
    round(s.crack_rate_mm_d, 3)                                AS crack_rate_mm_d,
    coalesce(w.warning_rank, 0)                                AS warning_rank,
    ['none', 'blue', 'yellow', 'orange', 'red'][coalesce(w.warning_rank, 0) + 1]  AS warning_level,
    ['无', '蓝色', '黄色', '橙色', '红色'][coalesce(w.warning_rank, 0) + 1]        AS warning_level_zh,
    w.t.channel                                                AS trigger_channel,
    w.t."window"                                               AS trigger_window,
    w.t.value                                                  AS trigger_value,
    w.t.threshold                                              AS trigger_threshold,
    w.triggers
FROM site_hour s
-- the local day the hour began in (the session's time zone), worked out
-- once per distinct hour rather than once per row
JOIN (SELECT h, CAST(to_timestamp((h - 1) * 3600) AS DATE) AS day
      FROM (SELECT DISTINCT h FROM site_hour)) d USING (h)
LEFT JOIN worst w USING (site_id, h)
CROSS JOIN int_gh_key_period k
ORDER BY s.site_id, s.h
