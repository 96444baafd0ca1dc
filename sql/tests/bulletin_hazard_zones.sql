-- 33号: every prone zone's printed site counts match the registry, the
-- zones add up to the 68 sites, and the zone families are B1–B7, C1–C4, D.
WITH reg AS (
    SELECT zone_code, count(*) AS sites,
           count(*) FILTER (WHERE type = 'ground_subsidence') AS subsidence,
           count(*) FILTER (WHERE type = 'collapse') AS collapse
    FROM seed_hazard_sites GROUP BY zone_code
)
SELECT z.zone_code, 'zone counts differ from the registry' AS problem
FROM seed_hazard_zones z LEFT JOIN reg r USING (zone_code)
WHERE CAST(z.site_count AS INTEGER) <> coalesce(r.sites, 0)
   OR CAST(z.subsidence_count AS INTEGER) <> coalesce(r.subsidence, 0)
   OR CAST(z.collapse_count AS INTEGER) <> coalesce(r.collapse, 0)
UNION ALL
SELECT r.zone_code, 'site in a zone the bulletin does not list'
FROM reg r ANTI JOIN seed_hazard_zones z USING (zone_code)
UNION ALL
SELECT 'all', 'zone site counts do not add up to 68'
FROM seed_hazard_zones HAVING sum(CAST(site_count AS INTEGER)) <> 68
UNION ALL
SELECT 'families', 'zones are not B1–B7, C1–C4 and D'
FROM (SELECT string_agg(zone_code, ',' ORDER BY zone_code) AS codes FROM seed_hazard_zones)
WHERE codes <> 'B1,B2,B3,B4,B5,B6,B7,C1,C2,C3,C4,D'
UNION ALL
SELECT 'C', 'low-prone zones do not hold the printed 21 sites'
FROM seed_hazard_zones z, seed_indicators i
WHERE i.name_zh = '低易发区地质灾害点数' AND z.zone_code LIKE 'C%'
GROUP BY i.target_2023 HAVING sum(CAST(z.site_count AS INTEGER)) <> CAST(ltrim(i.target_2023, '=') AS INTEGER)
