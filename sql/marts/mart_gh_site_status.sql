-- 33号 hazard sites now, for the map: one row per registered site with its
-- position, its current warning level and figures, how healthy its sensors
-- have been over the last 7 days, this year's warnings and the latest
-- inspection. "Now" is the latest hour any hazard-site logger delivered
-- (as_of), so a site whose logger has been silent for more than 3 hours
-- shows status 'no_data' rather than an old level.
WITH as_of AS (
    SELECT max(hour_end) AS as_of FROM int_gh_site_hourly
),
latest AS (
    -- each site's latest hour with a valid reading
    SELECT * FROM int_gh_site_hourly
    WHERE valid_readings > 0
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY hour_end DESC) = 1
),
week AS (
    SELECT c.site_id,
        CAST(sum(c.expected) AS BIGINT) AS expected_7d,
        CAST(sum(c.valid) AS BIGINT) AS valid_7d,
        CAST(sum(c.duplicate) AS BIGINT) AS duplicate_7d,
        CAST(sum(c.time_shifted) AS BIGINT) AS time_shifted_7d,
        CAST(sum(c.out_of_range) AS BIGINT) AS out_of_range_7d,
        CAST(sum(c.spike) AS BIGINT) AS spike_7d,
        CAST(sum(c.stuck) AS BIGINT) AS stuck_7d
    FROM mart_gh_completeness c, as_of a
    WHERE c.day > CAST(a.as_of AS DATE) - 7
    GROUP BY c.site_id
),
year_warnings AS (
    SELECT w.site_id,
        count(*)                          AS warnings_this_year,
        max(w.warning_rank)               AS max_rank_this_year,
        max(w.started_at)                 AS last_warning_at
    FROM int_gh_warnings w, as_of a
    WHERE year(w.started_at) = year(a.as_of)
    GROUP BY w.site_id
),
inspections AS (
    SELECT site_id, inspection_date AS last_inspection_date, finding AS last_finding
    FROM stg_gh_inspections
    WHERE is_latest
    QUALIFY row_number() OVER (PARTITION BY site_id ORDER BY inspection_date DESC, coalesce(observed_at, CAST(inspection_date AS TIMESTAMPTZ)) DESC) = 1
)
SELECT
    s.site_id,
    s.name_zh                                                          AS site_name_zh,
    s.type, s.type_zh, s.scale, s.scale_zh, s.zone_code, z.prone_level_zh, s.town_zh,
    s.longitude,
    s.latitude,
    a.as_of,
    l.hour_end                                                         AS last_valid_hour,
    round((epoch(a.as_of) - epoch(l.hour_end)) / 3600.0, 1)            AS hours_since_valid,
    CASE WHEN l.hour_end >= a.as_of - INTERVAL 3 HOUR THEN 'reporting' ELSE 'no_data' END AS status,
    CASE WHEN l.hour_end >= a.as_of - INTERVAL 3 HOUR THEN l.warning_rank END   AS warning_rank,
    CASE WHEN l.hour_end >= a.as_of - INTERVAL 3 HOUR THEN l.warning_level ELSE 'no_data' END AS warning_level,
    CASE WHEN l.hour_end >= a.as_of - INTERVAL 3 HOUR THEN l.warning_level_zh ELSE '无数据' END AS warning_level_zh,
    l.rain_24h,
    l.rain_72h,
    l.displacement_rate_mm_d,
    l.crack_rate_mm_d,
    l.triggers,
    w.valid_7d,
    w.expected_7d,
    round(100.0 * w.valid_7d / nullif(w.expected_7d, 0), 1)            AS valid_pct_7d,
    w.duplicate_7d, w.time_shifted_7d, w.out_of_range_7d, w.spike_7d, w.stuck_7d,
    coalesce(y.warnings_this_year, 0)                                  AS warnings_this_year,
    ['none', 'blue', 'yellow', 'orange', 'red'][coalesce(y.max_rank_this_year, 0) + 1] AS max_level_this_year,
    y.last_warning_at,
    i.last_inspection_date,
    i.last_finding
FROM stg_hazard_sites s
CROSS JOIN as_of a
LEFT JOIN stg_hazard_zones z USING (zone_code)
LEFT JOIN latest l USING (site_id)
LEFT JOIN week w USING (site_id)
LEFT JOIN year_warnings y USING (site_id)
LEFT JOIN inspections i USING (site_id)
