-- 33号 states facts, not goals: the 68 hazard sites and their split by
-- type, scale, town and zone, the zones' areas, shares and densities, and
-- the banner's rainfall climate. They are not scored as targets; each is
-- checked here against what Waymark holds: the site registry
-- (seeds/hazard_sites.csv), the zone table as printed
-- (seeds/hazard_zones.csv) and the rain gauges' observations.
-- One row per fact (and per observed year for the climate):
--   stated      the figure as 33号 prints it
--   observed    what the registry, the zone table or the gauges give
--   consistent  whether the two agree; NULL when it cannot be judged
--   basis       how observed was obtained and what "agree" means
-- Choices (waymark's reading, also in seeds/paths_geohazard.csv):
--   * counts must match exactly; printed shares and densities must equal
--     the figure recomputed from the printed areas and counts, rounded to
--     the printed 2 decimals;
--   * banner rainfall of a day is the mean of the gauges whose day is
--     complete (22 of 24 hours or more valid); a year is judged only when
--     95 % of its days have such a mean; a rain day has 0.1 mm or more
--     (GB/T 28592-2012), a heavy-rain day 25 mm or more at a gauge (大雨);
--   * a climate normal is one figure for an average year: one year agrees
--     when it lies within the stated range, or within 20 % of a stated
--     value;
--   * the key prevention period agrees when most (over half) of the
--     year's sensor warning hours fall inside it.
WITH ind AS (
    SELECT i.indicator_id, i.name_zh, i.name_en, i.unit, i.target_2023_text AS stated, t.value AS stated_value
    FROM stg_indicators i
    LEFT JOIN stg_targets t ON t.indicator_id = i.indicator_id AND t.kind = 'target' AND t.year = 2023
    WHERE i.plan_id = 'geohazard_2023'
),
towns AS (
    -- the banner's towns: the departments seed names each (…镇)
    SELECT name_zh AS town_zh FROM seed_departments WHERE name_zh LIKE '%镇' AND name_zh NOT LIKE '各%'
),
zones AS (
    SELECT *, sum(area_km2) OVER () AS total_area_km2 FROM stg_hazard_zones
),
registry(name_zh, observed, basis) AS (
    SELECT '地质灾害点总数', count(*), 'sites in the registry' FROM stg_hazard_sites
    UNION ALL SELECT '地面塌陷灾害点数量', count(*) FILTER (WHERE type = 'ground_subsidence'), 'registry sites of type ground_subsidence' FROM stg_hazard_sites
    UNION ALL SELECT '崩塌灾害点数量', count(*) FILTER (WHERE type = 'collapse'), 'registry sites of type collapse' FROM stg_hazard_sites
    UNION ALL SELECT '巨型地质灾害点数量', count(*) FILTER (WHERE scale = 'giant'), 'registry sites of scale giant (巨型)' FROM stg_hazard_sites
    UNION ALL SELECT '特大型地质灾害点数量', count(*) FILTER (WHERE scale = 'huge'), 'registry sites of scale huge (特大型)' FROM stg_hazard_sites
    UNION ALL SELECT '大型地质灾害点数量', count(*) FILTER (WHERE scale = 'large'), 'registry sites of scale large (大型)' FROM stg_hazard_sites
    UNION ALL SELECT '中型地质灾害点数量', count(*) FILTER (WHERE scale = 'medium'), 'registry sites of scale medium (中型)' FROM stg_hazard_sites
    UNION ALL SELECT '小型地质灾害点数量', count(*) FILTER (WHERE scale = 'small'), 'registry sites of scale small (小型)' FROM stg_hazard_sites
    UNION ALL SELECT '发育的地质灾害类型数', count(DISTINCT type), 'distinct site types in the registry' FROM stg_hazard_sites
    UNION ALL SELECT '全旗所辖镇数', count(*), 'towns named in seeds/departments.csv' FROM towns
    UNION ALL SELECT '有地质灾害点分布的镇数', count(DISTINCT town_zh), 'distinct towns of registry sites' FROM stg_hazard_sites
    UNION ALL SELECT '无地质灾害点分布的镇数', count(*), 'towns with no registry site'
        FROM towns WHERE town_zh NOT IN (SELECT town_zh FROM stg_hazard_sites)
    UNION ALL SELECT '中易发亚区数量', count(*) FILTER (WHERE prone_level_zh = '中易发区'), 'medium-prone zones in the zone table' FROM stg_hazard_zones
    UNION ALL SELECT '低易发亚区数量', count(*) FILTER (WHERE prone_level_zh = '低易发区'), 'low-prone zones in the zone table' FROM stg_hazard_zones
    UNION ALL SELECT '低易发区地质灾害点数', count(*), 'registry sites in low-prone zones'
        FROM stg_hazard_sites s JOIN stg_hazard_zones z USING (zone_code) WHERE z.prone_level_zh = '低易发区'
    UNION ALL SELECT '低易发区面积', round(sum(area_km2), 2), 'sum of the low-prone zones'' printed areas' FROM stg_hazard_zones WHERE prone_level_zh = '低易发区'
    UNION ALL SELECT '不易发区面积', round(sum(area_km2), 2), 'printed area of the not-prone zone' FROM stg_hazard_zones WHERE prone_level_zh = '不易发区'
),
registry_checks AS (
    SELECT i.indicator_id AS fact_id, i.name_zh AS fact_zh, i.name_en AS fact, NULL::INTEGER AS year,
           i.stated, i.stated_value AS stated_low, i.stated_value AS stated_high, r.observed, i.unit,
           r.observed = i.stated_value AS consistent, r.basis || '; must equal the printed figure' AS basis
    FROM ind i JOIN registry r USING (name_zh)
),
zone_checks AS (
    -- each zone's printed site counts against the registry, and its printed
    -- share and density against the ones its printed area and count give
    SELECT z.zone_code || ' sites' AS fact_id, z.zone_code || ' 地质灾害点数' AS fact_zh,
           'Hazard sites in zone ' || z.zone_code AS fact, NULL::INTEGER AS year,
           CAST(z.site_count AS VARCHAR) AS stated, z.site_count AS stated_low, z.site_count AS stated_high,
           CAST(coalesce(r.sites, 0) AS DOUBLE) AS observed, '处' AS unit,
           coalesce(r.sites, 0) = z.site_count AS consistent, 'registry sites in the zone; must equal the printed count' AS basis
    FROM zones z
    LEFT JOIN (SELECT zone_code, count(*) AS sites FROM stg_hazard_sites GROUP BY zone_code) r USING (zone_code)
    UNION ALL
    SELECT z.zone_code || ' share', z.zone_code || ' 面积占比', 'Area share of zone ' || z.zone_code, NULL,
           CAST(z.area_share_pct AS VARCHAR), z.area_share_pct, z.area_share_pct,
           round(100 * z.area_km2 / z.total_area_km2, 4), '%',
           round(100 * z.area_km2 / z.total_area_km2, 2) = z.area_share_pct,
           'printed area / sum of all printed zone areas (' || round(z.total_area_km2, 2) || ' km2); must equal the printed share at 2 decimals'
    FROM zones z
    UNION ALL
    SELECT z.zone_code || ' density', z.zone_code || ' 灾害点密度', 'Site density of zone ' || z.zone_code, NULL,
           CAST(z.density_per_100km2 AS VARCHAR), z.density_per_100km2, z.density_per_100km2,
           round(100 * z.site_count / z.area_km2, 4), '处/100km2',
           round(100 * z.site_count / z.area_km2, 2) = z.density_per_100km2,
           'printed sites * 100 / printed area; must equal the printed density at 2 decimals'
    FROM zones z
    WHERE z.density_per_100km2 IS NOT NULL
),

-- The rainfall climate from the gauges.
gauge_days AS (
    SELECT site_id, day, sum(rain_1h) AS rain, count(rain_1h) AS hours
    FROM int_gh_site_hourly
    GROUP BY site_id, day
),
banner_days AS (
    SELECT day, avg(rain) AS rain, count(*) AS gauges,
           count(*) FILTER (WHERE rain >= 25) AS heavy_gauge_days
    FROM gauge_days
    WHERE hours >= 22
    GROUP BY day
),
years AS (
    SELECT CAST(year(day) AS INTEGER) AS year,
        count(*)                                                  AS covered_days,
        CAST(make_date(year(day) + 1, 1, 1) - make_date(year(day), 1, 1) AS INTEGER) AS days_in_year,
        sum(rain)                                                 AS rain,
        sum(rain) FILTER (WHERE month(day) BETWEEN 6 AND 8)       AS rain_jja,
        count(*) FILTER (WHERE rain >= 0.1)                       AS rain_days,
        sum(heavy_gauge_days)                                     AS heavy_gauge_days,
        sum(heavy_gauge_days) FILTER (WHERE month(day) BETWEEN 7 AND 9) AS heavy_gauge_days_jas
    FROM banner_days
    GROUP BY ALL
),
months AS (
    SELECT CAST(year(day) AS INTEGER) AS year, month(day) AS month,
           sum(rain) / nullif(count(*) FILTER (WHERE rain >= 0.1), 0) AS intensity
    FROM banner_days
    GROUP BY ALL
),
judged_years AS (
    SELECT y.*, covered_days >= 0.95 * days_in_year AS complete,
           (SELECT arg_max(m.month, m.intensity) FROM months m WHERE m.year = y.year) AS wettest_month,
           (SELECT m.intensity FROM months m WHERE m.year = y.year AND m.month = 8) AS august_intensity
    FROM years y
),
warning_hours AS (
    SELECT CAST(year(day) AS INTEGER) AS year,
           count(*) FILTER (WHERE warning_rank >= 1)                   AS hours,
           count(*) FILTER (WHERE warning_rank >= 1 AND in_key_period) AS in_period
    FROM int_gh_site_hourly
    -- the years the gauges observed (not a stray hour of the year before)
    WHERE year(day) IN (SELECT year FROM years)
    GROUP BY ALL
),
climate AS (
    SELECT i.indicator_id, i.name_zh, i.name_en, i.unit, i.stated, i.stated_value, y.*,
        TRY_CAST(regexp_extract(i.stated, '^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$', 1) AS DOUBLE) AS range_low,
        TRY_CAST(regexp_extract(i.stated, '^(\d+(?:\.\d+)?)\s*-\s*(\d+(?:\.\d+)?)$', 2) AS DOUBLE) AS range_high
    FROM ind i CROSS JOIN judged_years y
    WHERE i.name_zh IN ('年降水量', '6-8月降水占全年降水量比例', '全年平均降水强度', '最大月（八月）降水强度', '强降雨期')
),
climate_checks AS (
    SELECT
        c.indicator_id, c.name_zh, c.name_en, c.year, c.stated,
        coalesce(c.range_low, round(c.stated_value * 0.8, 4))  AS stated_low,
        coalesce(c.range_high, round(c.stated_value * 1.2, 4)) AS stated_high,
        CASE c.name_zh
            WHEN '年降水量' THEN c.rain
            WHEN '6-8月降水占全年降水量比例' THEN 100 * c.rain_jja / nullif(c.rain, 0)
            WHEN '全年平均降水强度' THEN c.rain / nullif(c.rain_days, 0)
            WHEN '最大月（八月）降水强度' THEN c.august_intensity
            WHEN '强降雨期' THEN 100.0 * c.heavy_gauge_days_jas / nullif(c.heavy_gauge_days, 0)
        END AS observed,
        CASE WHEN c.name_zh = '强降雨期' THEN '%' ELSE c.unit END AS unit,
        c.complete, c.wettest_month, c.covered_days, c.days_in_year, c.heavy_gauge_days
    FROM climate c
),
climate_rows AS (
    SELECT
        indicator_id AS fact_id, name_zh AS fact_zh, name_en AS fact, year, stated,
        CASE WHEN name_zh = '强降雨期' THEN 50 ELSE stated_low END  AS stated_low,
        CASE WHEN name_zh = '强降雨期' THEN 100 ELSE stated_high END AS stated_high,
        round(observed, 2) AS observed, unit,
        CASE
            WHEN NOT complete OR observed IS NULL THEN NULL
            WHEN name_zh = '强降雨期' THEN observed > 50
            WHEN name_zh = '最大月（八月）降水强度' THEN round(observed, 2) BETWEEN stated_low AND stated_high AND wettest_month = 8
            ELSE round(observed, 2) BETWEEN stated_low AND stated_high
        END AS consistent,
        CASE name_zh
            WHEN '年降水量' THEN 'sum over the year of the banner''s daily rain; within the stated range'
            WHEN '6-8月降水占全年降水量比例' THEN 'June–August rain / the year''s rain; within 20 % of the stated share'
            WHEN '全年平均降水强度' THEN 'the year''s rain / its rain days (≥ 0.1 mm); within 20 % of the stated intensity'
            WHEN '最大月（八月）降水强度' THEN 'August rain / August rain days; within 20 % and August the month of highest intensity (observed: month ' || coalesce(CAST(wettest_month AS VARCHAR), '?') || ')'
            WHEN '强降雨期' THEN 'share of the gauges'' heavy-rain days (≥ 25 mm) falling in July–September (' || coalesce(heavy_gauge_days, 0) || ' such days); over half'
        END || '; ' || covered_days || ' of ' || days_in_year || ' days observed' ||
            IF(complete, '', ' (too few to judge)') AS basis
    FROM climate_checks
),
key_period_rows AS (
    SELECT i.indicator_id, i.name_zh, i.name_en, w.year, i.stated,
           50.0 AS stated_low, 100.0 AS stated_high,
           round(100.0 * w.in_period / nullif(w.hours, 0), 2) AS observed, '%' AS unit,
           CASE WHEN w.hours > 0 THEN w.in_period > 0.5 * w.hours END AS consistent,
           'share of the year''s sensor warning hours (' || w.hours || ') inside ' || i.stated || '; over half' AS basis
    FROM ind i CROSS JOIN warning_hours w
    WHERE i.name_zh = '地质灾害重点防范期'
)
SELECT fact_id, fact_zh, fact, year, stated, stated_low, stated_high, CAST(observed AS DOUBLE) AS observed, unit, consistent, basis
FROM registry_checks
UNION ALL SELECT * FROM zone_checks
UNION ALL SELECT * FROM climate_rows
UNION ALL SELECT * FROM key_period_rows
