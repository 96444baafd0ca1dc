-- 33号 warning thresholds (seeds/gh_warning_thresholds.csv): every row is
-- a known colour of a measure the models compute, for the default or a
-- registered site, with a number; the default gives all four colours of
-- each measure once; and after per-site overrides every site's colours
-- rise blue < yellow < orange < red for each channel and window.
WITH seed AS (
    SELECT nullif(trim(site_id), '') AS site_id, channel, "window", level, threshold, unit
    FROM seed_gh_warning_thresholds
),
measures(channel, "window", unit) AS (
    VALUES ('rainfall_mm', '1h', 'mm'), ('rainfall_mm', '24h', 'mm'), ('rainfall_mm', '72h', 'mm'),
           ('displacement_mm', '24h', 'mm/d'), ('crack_mm', '24h', 'mm/d')
)
SELECT site_id, channel, "window", level, 'unknown level (blue, yellow, orange, red)' AS problem
FROM seed WHERE level NOT IN ('blue', 'yellow', 'orange', 'red')
UNION ALL
SELECT site_id, channel, "window", level, 'threshold is not a number: ' || coalesce(threshold, 'empty')
FROM seed WHERE TRY_CAST(threshold AS DOUBLE) IS NULL
UNION ALL
SELECT s.site_id, s.channel, s."window", s.level, 'no model computes this channel and window'
FROM seed s ANTI JOIN measures m USING (channel, "window")
UNION ALL
SELECT s.site_id, s.channel, s."window", s.level, 'unit ' || coalesce(s.unit, 'empty') || ', the measure is in ' || m.unit
FROM seed s JOIN measures m USING (channel, "window") WHERE s.unit IS DISTINCT FROM m.unit
UNION ALL
SELECT site_id, channel, "window", level, 'site not in the hazard-site registry'
FROM seed WHERE site_id IS NOT NULL AND site_id NOT IN (SELECT site_id FROM seed_hazard_sites)
UNION ALL
SELECT site_id, channel, "window", level, 'given ' || count(*) || ' times'
FROM seed GROUP BY ALL HAVING count(*) > 1
UNION ALL
SELECT NULL, m.channel, m."window", l.level, 'the default has no threshold for this colour'
FROM measures m
CROSS JOIN (VALUES ('blue'), ('yellow'), ('orange'), ('red')) AS l(level)
WHERE NOT EXISTS (SELECT 1 FROM seed s WHERE s.site_id IS NULL AND s.channel = m.channel
                  AND s."window" = m."window" AND s.level = l.level)
UNION ALL
SELECT site_id, channel, "window", NULL,
       'colours out of order: ' || blue || ' / ' || yellow || ' / ' || orange || ' / ' || red
FROM int_gh_thresholds
WHERE NOT (blue < yellow AND yellow < orange AND orange < red)
