-- A computed or reported path names the model that computes it, and any
-- model a path names is a table of this build; the data sets a path reads
-- are lake data sets (lake_<dataset>).
WITH tables AS (SELECT table_name FROM information_schema.tables)
SELECT indicator_id, path, model AS name, 'a computed or reported path must name its model' AS problem
FROM stg_indicator_paths
WHERE path IN ('computed', 'reported') AND model IS NULL
UNION ALL
SELECT indicator_id, path, model, 'model is not a table of the warehouse'
FROM stg_indicator_paths
WHERE model IS NOT NULL AND model NOT IN (SELECT table_name FROM tables)
UNION ALL
SELECT p.indicator_id, p.path, d, 'data set is not in the lake'
FROM stg_indicator_paths p, unnest(p.datasets) AS t(d)
WHERE 'lake_' || d NOT IN (SELECT table_name FROM tables)
