-- 33号: the hazard-site registry agrees with every count the bulletin
-- prints (total, by type, by scale), and the printed total is 61 + 7.
WITH printed AS (
    SELECT name_zh, CAST(ltrim(target_2023, '=') AS INTEGER) AS n
    FROM seed_indicators
    WHERE plan_id = 'geohazard_2023' AND name_zh LIKE '%灾害点%' AND regexp_matches(target_2023, '^=\d+$')
),
registry AS (
    SELECT '地质灾害点总数' AS name_zh, count(*) AS n FROM seed_hazard_sites
    UNION ALL SELECT '地面塌陷灾害点数量', count(*) FILTER (WHERE type = 'ground_subsidence') FROM seed_hazard_sites
    UNION ALL SELECT '崩塌灾害点数量', count(*) FILTER (WHERE type = 'collapse') FROM seed_hazard_sites
    UNION ALL SELECT scale_zh || '地质灾害点数量', count(*) FROM seed_hazard_sites GROUP BY scale_zh
),
expected(name_zh) AS (
    VALUES ('地质灾害点总数'), ('地面塌陷灾害点数量'), ('崩塌灾害点数量'), ('巨型地质灾害点数量'),
           ('特大型地质灾害点数量'), ('大型地质灾害点数量'), ('中型地质灾害点数量'), ('小型地质灾害点数量')
)
SELECT e.name_zh, p.n AS printed, r.n AS registry, 'registry differs from the printed count' AS problem
FROM expected e LEFT JOIN printed p USING (name_zh) LEFT JOIN registry r USING (name_zh)
WHERE p.n IS NULL OR r.n IS DISTINCT FROM p.n
UNION ALL
SELECT 'total = subsidence + collapse', t.n, s.n + c.n, 'printed total is not the sum of the types'
FROM printed t, printed s, printed c
WHERE t.name_zh = '地质灾害点总数' AND s.name_zh = '地面塌陷灾害点数量' AND c.name_zh = '崩塌灾害点数量'
  AND t.n <> s.n + c.n
UNION ALL
SELECT 'site count', count(*), NULL, 'the registry must hold 68 sites' FROM seed_hazard_sites HAVING count(*) <> 68
