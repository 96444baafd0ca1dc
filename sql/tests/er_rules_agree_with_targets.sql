-- 28号: the standing rules the enterprise-relief models apply
-- (seeds/er_rules.csv: time limits, the report due day) are the figures
-- the bulletin prints, so they must equal the 2023 targets of the
-- indicators they belong to; an assumption (the low capacity-use
-- threshold) must say so. The special actions' lead units resolve to
-- seeds/departments.csv, and the exclusion register uses 28号's reasons.
WITH names AS (
    SELECT name_zh AS name FROM seed_departments
    UNION SELECT trim(a) FROM seed_departments, unnest(string_split(coalesce(aliases_zh, ''), '、')) AS t(a) WHERE trim(a) <> ''
)
SELECT r.rule_id AS what, r.value || ' vs target ' || coalesce(t.text, 'none') AS detail,
       'printed rule differs from the 2023 target of its indicator' AS problem
FROM seed_er_rules r
LEFT JOIN targets t ON t.indicator_id = r.indicator_id AND t.kind = 'target' AND t.year = 2023
WHERE r.basis = 'printed' AND (t.value IS NULL OR TRY_CAST(r.value AS DOUBLE) IS DISTINCT FROM t.value)
UNION ALL
SELECT rule_id, basis, 'basis must be printed or assumption, with notes for an assumption'
FROM seed_er_rules
WHERE basis NOT IN ('printed', 'assumption') OR (basis = 'assumption' AND coalesce(notes, '') = '') OR TRY_CAST(value AS DOUBLE) IS NULL
UNION ALL
SELECT 'low_capacity_utilisation_pct', NULL, 'the four kinds need the low capacity-use threshold'
WHERE NOT EXISTS (SELECT 1 FROM seed_er_rules WHERE rule_id = 'low_capacity_utilisation_pct')
UNION ALL
SELECT action_no, trim(u), 'lead unit not in departments.csv'
FROM seed_er_special_actions, unnest(string_split(lead_units, '、')) AS t(u)
WHERE trim(u) NOT IN (SELECT name FROM names)
UNION ALL
SELECT 'special actions', CAST(count(*) AS VARCHAR), '28号 has ten special actions (十大专项行动)'
FROM seed_er_special_actions HAVING count(*) <> 10
UNION ALL
SELECT enterprise_code, reason, 'exclusion reason must be deregistered, bankrupt, planned_exit or litigation, with a start date'
FROM seed_er_enterprise_exclusions
WHERE reason NOT IN ('deregistered', 'bankrupt', 'planned_exit', 'litigation') OR TRY_CAST(effective_from AS DATE) IS NULL
