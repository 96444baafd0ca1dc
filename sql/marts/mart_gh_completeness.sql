-- 33号 monitoring network health: per hazard site, channel and day, the
-- readings its logger owed (expected), delivered (received) and that could
-- be used (valid), with what was wrong with the rest. Days are local days;
-- a reading belongs to the day its slot begins in (a 00:00 rain reading is
-- the last hour of the day before).
--   expected   the channel's slots in the day (24 at an hourly interval),
--              for the channels the site's type carries (int_gh_channels),
--              counted over the network's span: from the first to the last
--              slot any hazard-site logger delivered
--   received   slots with a reading stamped in the day (latest delivery;
--              time-shifted readings are not counted here: their stamp is
--              not when they were taken)
--   valid      slots with a reading that passed every check
-- A channel that delivers what the site's type does not carry still gets
-- its rows, with expected 0.
WITH span AS (
    SELECT min(slot_end) AS first_slot, max(slot_end) AS last_slot
    FROM int_gh_readings_clean
    WHERE quality_flag NOT IN ('time_shifted', 'unknown_site')
),
days AS (
    SELECT CAST(d AS DATE) AS day
    FROM span, range(CAST(first_slot - INTERVAL 1 SECOND AS DATE), CAST(last_slot AS DATE) + 1, INTERVAL 1 DAY) AS t(d)
),
owed AS (
    SELECT s.site_id, c.channel, c.interval_minutes
    FROM stg_hazard_sites s
    JOIN int_gh_channels c ON list_contains(c.site_types, s.type)
),
readings AS (
    -- the hour a reading's slot ends in; its slot began in that hour
    SELECT site_id, channel, is_latest, is_valid, quality_flag,
           CAST(ceil(epoch(slot_end) / 3600) AS BIGINT) AS h
    FROM int_gh_readings_clean
    WHERE quality_flag <> 'unknown_site'
),
hour_days AS (
    -- the local day each hour began in (the session's time zone), worked
    -- out once per distinct hour rather than once per reading
    SELECT h, CAST(to_timestamp((h - 1) * 3600) AS DATE) AS day
    FROM (SELECT DISTINCT h FROM readings)
),
counted AS (
    -- a slot has at most one reading that is neither a duplicate nor
    -- time-shifted (int_gh_readings_clean), and at most one valid one
    SELECT
        r.site_id, r.channel, d.day,
        count(*) FILTER (WHERE r.is_latest AND r.quality_flag NOT IN ('time_shifted', 'duplicate')) AS received,
        count(*) FILTER (WHERE r.is_valid)                         AS valid,
        count(*) FILTER (WHERE r.quality_flag = 'duplicate')       AS duplicate,
        count(*) FILTER (WHERE r.quality_flag = 'time_shifted')    AS time_shifted,
        count(*) FILTER (WHERE r.quality_flag = 'out_of_range')    AS out_of_range,
        count(*) FILTER (WHERE r.quality_flag = 'spike')           AS spike,
        count(*) FILTER (WHERE r.quality_flag = 'stuck')           AS stuck
    FROM readings r
    JOIN hour_days d USING (h)
    GROUP BY r.site_id, r.channel, d.day
),
pairs AS (
    SELECT site_id, channel, true AS owed FROM owed
    UNION ALL
    SELECT DISTINCT c.site_id, c.channel, false
    FROM counted c ANTI JOIN owed o USING (site_id, channel)
),
grid AS (
    SELECT p.site_id, p.channel, p.owed, d.day, c.interval_minutes * 60 AS iv,
           -- the slots ending inside the day and inside the network's span
           greatest(epoch(CAST(d.day AS TIMESTAMPTZ)) + c.interval_minutes * 60, epoch(s.first_slot)) AS lo,
           least(epoch(CAST(d.day + 1 AS TIMESTAMPTZ)), epoch(s.last_slot))                          AS hi
    FROM pairs p
    JOIN int_gh_channels c USING (channel)
    CROSS JOIN days d
    CROSS JOIN span s
)
SELECT
    g.site_id,
    h.zone_code,
    h.town_zh,
    g.channel,
    g.day,
    CAST(CASE WHEN g.owed AND g.hi >= g.lo THEN floor((g.hi - g.lo) / g.iv) + 1 ELSE 0 END AS BIGINT) AS expected,
    coalesce(c.received, 0)                                     AS received,
    coalesce(c.valid, 0)                                        AS valid,
    round(100.0 * coalesce(c.received, 0) / nullif(expected, 0), 1) AS completeness_pct,
    round(100.0 * coalesce(c.valid, 0) / nullif(expected, 0), 1)    AS valid_pct,
    coalesce(c.duplicate, 0)                                    AS duplicate,
    coalesce(c.time_shifted, 0)                                 AS time_shifted,
    coalesce(c.out_of_range, 0)                                 AS out_of_range,
    coalesce(c.spike, 0)                                        AS spike,
    coalesce(c.stuck, 0)                                        AS stuck
FROM grid g
LEFT JOIN counted c USING (site_id, channel, day)
LEFT JOIN stg_hazard_sites h USING (site_id)
