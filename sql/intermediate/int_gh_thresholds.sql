-- 33号 warning thresholds resolved per hazard site: one row per site,
-- channel and window with the four levels side by side. A row of
-- seeds/gh_warning_thresholds.csv with an empty site_id is the default for
-- every site; a row naming a site overrides that site's level (level by
-- level, so an override may change only some colours).
WITH seed AS (
    SELECT nullif(trim(site_id), '') AS site_id, channel, "window", level,
           CAST(threshold AS DOUBLE) AS threshold, unit, source
    FROM seed_gh_warning_thresholds
),
resolved AS (
    SELECT s.site_id, d.channel, d."window", d.level,
           coalesce(o.threshold, d.threshold) AS threshold,
           d.unit,
           o.threshold IS NOT NULL            AS overridden,
           coalesce(o.source, d.source)       AS source
    FROM stg_hazard_sites s
    CROSS JOIN (SELECT * FROM seed WHERE site_id IS NULL) d
    LEFT JOIN seed o
           ON o.site_id = s.site_id AND o.channel = d.channel
          AND o."window" = d."window" AND o.level = d.level
)
SELECT
    site_id,
    channel,
    "window",
    any_value(unit)                                   AS unit,
    max(threshold) FILTER (WHERE level = 'blue')      AS blue,
    max(threshold) FILTER (WHERE level = 'yellow')    AS yellow,
    max(threshold) FILTER (WHERE level = 'orange')    AS orange,
    max(threshold) FILTER (WHERE level = 'red')       AS red,
    bool_or(overridden)                               AS overridden,
    string_agg(DISTINCT source, ' | ')                AS source
FROM resolved
GROUP BY site_id, channel, "window"
