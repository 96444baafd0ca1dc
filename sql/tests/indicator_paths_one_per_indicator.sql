-- Every indicator has exactly one path row (seeds/paths_<plan>.csv), and
-- every path row names an indicator of the catalog.
-- For now only plans with at least one path row are held to it: the other
-- plans' paths files are being written on other branches, and this test
-- would fail on each of them until then. Once every plan has its file the
-- lead drops the plan filter (the `covered` CTE) so a plan without paths
-- fails too.
WITH covered AS (
    SELECT DISTINCT plan_id FROM stg_indicator_paths WHERE plan_id IS NOT NULL
),
counted AS (
    SELECT i.plan_id, i.indicator_id, count(p.indicator_id) AS n
    FROM stg_indicators i
    LEFT JOIN stg_indicator_paths p USING (indicator_id)
    GROUP BY ALL
)
SELECT c.plan_id, c.indicator_id, c.n AS path_rows,
       CASE WHEN c.n = 0 THEN 'no path row' ELSE 'more than one path row' END AS problem
FROM counted c
WHERE c.n <> 1 AND c.plan_id IN (SELECT plan_id FROM covered)
UNION ALL
SELECT NULL, p.indicator_id, NULL, 'path row for an indicator the catalog does not have'
FROM stg_indicator_paths p
WHERE p.plan_id IS NULL
