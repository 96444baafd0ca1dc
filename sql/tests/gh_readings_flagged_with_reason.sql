-- 33号 sensor readings: a reading is valid exactly when its flag is 'ok',
-- and every flagged reading says why, so nothing is dropped silently.
SELECT site_id, channel, ts, quality_flag, 'flagged without a reason' AS problem
FROM int_gh_readings_clean
WHERE quality_flag <> 'ok' AND coalesce(quality_reason, '') = ''
UNION ALL
SELECT site_id, channel, ts, quality_flag, 'is_valid disagrees with the flag'
FROM int_gh_readings_clean
WHERE is_valid <> (quality_flag = 'ok')
