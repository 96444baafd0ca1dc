-- 33号 monitoring channels (seeds/gh_sensor_channels.csv): one row per
-- channel of the sensor_readings contract, an interval that divides a day,
-- a range with min below max, positive spike and stuck limits, and site
-- types the registry uses.
SELECT channel, 'given ' || count(*) || ' times' AS problem
FROM seed_gh_sensor_channels GROUP BY channel HAVING count(*) > 1
UNION ALL
SELECT channel, 'interval_minutes must divide an hour (1, 2, 5, 10, 15, 30, 60 …)'
FROM seed_gh_sensor_channels
WHERE TRY_CAST(interval_minutes AS INTEGER) IS NULL OR CAST(interval_minutes AS INTEGER) <= 0
   OR 60 % CAST(interval_minutes AS INTEGER) <> 0
UNION ALL
SELECT channel, 'valid_min must be a number below valid_max'
FROM seed_gh_sensor_channels
WHERE NOT coalesce(TRY_CAST(valid_min AS DOUBLE) < TRY_CAST(valid_max AS DOUBLE), false)
UNION ALL
SELECT channel, 'spike_delta, when given, must be a positive number'
FROM seed_gh_sensor_channels
WHERE spike_delta IS NOT NULL AND NOT coalesce(TRY_CAST(spike_delta AS DOUBLE) > 0, false)
UNION ALL
SELECT channel, 'stuck_hours must be a positive whole number'
FROM seed_gh_sensor_channels
WHERE NOT coalesce(TRY_CAST(stuck_hours AS INTEGER) > 0, false)
UNION ALL
SELECT c.channel, 'site type ' || t || ' is not a type of the registry'
FROM int_gh_channels c, unnest(c.site_types) AS u(t)
WHERE t NOT IN (SELECT DISTINCT type FROM seed_hazard_sites)
