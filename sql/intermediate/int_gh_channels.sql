-- 33号 hazard-site monitoring: the channels the site loggers measure, typed
-- from seeds/gh_sensor_channels.csv, with the rules that decide whether a
-- reading can be used (range, spike, stuck) and how many readings a day a
-- logger owes (its interval). One row per channel.
SELECT
    channel,
    name_zh,
    unit,
    CAST(interval_minutes AS INTEGER)                            AS interval_minutes,
    CAST(1440 / CAST(interval_minutes AS INTEGER) AS INTEGER)     AS expected_per_day,
    -- the site types that carry this channel (rain and displacement
    -- everywhere, crack meters at the collapse sites)
    list_transform(string_split(site_types, '、'), s -> trim(s))  AS site_types,
    CAST(valid_min AS DOUBLE)                                    AS valid_min,
    CAST(valid_max AS DOUBLE)                                    AS valid_max,
    TRY_CAST(spike_delta AS DOUBLE)                              AS spike_delta,
    CAST(stuck_hours AS INTEGER)                                 AS stuck_hours,
    coalesce(stuck_ignores_zero = 'true', false)                 AS stuck_ignores_zero,
    source,
    notes
FROM seed_gh_sensor_channels
