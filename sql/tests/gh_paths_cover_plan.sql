-- 33号: seeds/paths_geohazard.csv gives every indicator of the plan exactly
-- one path, with values from the shared vocabulary, lake data sets that
-- exist and, for a computed figure or a reference fact, the model that
-- produces it.
WITH plan AS (
    SELECT indicator_id FROM seed_indicators WHERE plan_id = 'geohazard_2023'
),
paths AS (
    SELECT * FROM seed_indicator_paths WHERE indicator_id LIKE 'gh-%'
)
SELECT p.indicator_id, 'no row in paths_geohazard.csv' AS problem
FROM plan p ANTI JOIN paths USING (indicator_id)
UNION ALL
SELECT indicator_id, 'not an indicator of the plan' FROM paths ANTI JOIN plan USING (indicator_id)
UNION ALL
SELECT indicator_id, 'given ' || count(*) || ' times' FROM paths GROUP BY indicator_id HAVING count(*) > 1
UNION ALL
SELECT indicator_id, 'unknown path ' || coalesce(path, 'empty') FROM paths
WHERE path IS NULL OR path NOT IN ('computed', 'reported', 'milestone', 'reference_fact', 'uncomputable')
UNION ALL
SELECT indicator_id, 'unknown grain ' || coalesce(grain, 'empty') FROM paths
WHERE grain IS NULL OR grain NOT IN ('month', 'quarter', 'year', 'school_year', 'case', 'enterprise_month', 'once', 'hour', 'day')
UNION ALL
SELECT indicator_id, 'unknown year_aggregation ' || coalesce(year_aggregation, 'empty') FROM paths
WHERE year_aggregation IS NULL OR year_aggregation NOT IN
      ('sum', 'last', 'ratio_of_sums', 'count', 'distinct_count', 'cumulative', 'share_met', 'max', 'none')
UNION ALL
SELECT indicator_id, 'no such lake data set: ' || d
FROM paths, unnest(string_split(coalesce(datasets, ''), ';')) AS t(d)
WHERE trim(d) <> '' AND 'lake_' || trim(d) NOT IN (SELECT table_name FROM information_schema.tables)
UNION ALL
SELECT indicator_id, 'a ' || path || ' path needs the model that produces it'
FROM paths WHERE path IN ('computed', 'reference_fact')
  AND (model IS NULL OR model NOT IN (SELECT table_name FROM information_schema.tables))
