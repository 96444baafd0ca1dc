-- Every row of reference data names the bulletin document it comes from,
-- and every document named is one of the five.
WITH rows AS (
    SELECT 'indicators' AS seed, indicator_id AS id, doc_no FROM seed_indicators
    UNION ALL SELECT 'zw_tasks', task_id, doc_no FROM seed_zw_tasks
    UNION ALL SELECT 'zw_projects', project_id, doc_no FROM seed_zw_projects
    UNION ALL SELECT 'hazard_sites', site_id, doc_no FROM seed_hazard_sites
    UNION ALL SELECT 'hazard_zones', zone_code, doc_no FROM seed_hazard_zones
    UNION ALL SELECT 'departments', dept_id, doc_no FROM seed_departments
    UNION ALL SELECT 'leaders', leader_id, doc_no FROM seed_leaders
    UNION ALL SELECT 'responsibilities', leader_id || ' ' || area_zh, doc_no FROM seed_responsibilities
    UNION ALL SELECT 'leading_groups', group_id, doc_no FROM seed_leading_groups
    UNION ALL SELECT 'plans', plan_id, doc_no FROM seed_plans
    UNION ALL SELECT 'bulletin_facts', fact_id, doc_no FROM seed_bulletin_facts
)
SELECT seed, id, doc_no, 'no source document, or one the bulletin does not hold' AS problem
FROM rows
WHERE doc_no IS NULL
   OR EXISTS (SELECT 1 FROM unnest(string_split(doc_no, '、')) AS t(d) WHERE trim(d) NOT IN (SELECT doc_no FROM seed_documents))
