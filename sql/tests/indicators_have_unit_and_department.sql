-- Every indicator of every plan has a unit and at least one responsible
-- department, and every department named resolves to seeds/departments.csv
-- by its name or one of its aliases.
WITH names AS (
    SELECT name_zh AS name FROM seed_departments
    UNION SELECT trim(a) FROM seed_departments, unnest(string_split(coalesce(aliases_zh, ''), '、')) AS t(a) WHERE trim(a) <> ''
)
SELECT indicator_id, 'no unit' AS problem FROM seed_indicators WHERE coalesce(trim(unit), '') = ''
UNION ALL
SELECT indicator_id, 'no responsible department' FROM seed_indicators WHERE coalesce(trim(departments), '') = ''
UNION ALL
SELECT DISTINCT indicator_id, 'department not in departments.csv: ' || trim(d)
FROM seed_indicators, unnest(string_split(coalesce(departments, ''), '、')) AS t(d)
WHERE trim(d) <> '' AND trim(d) NOT IN (SELECT name FROM names)
