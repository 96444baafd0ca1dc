-- 31号 附件2: 11 construction projects, each with an investment and deadline.
SELECT 'projects' AS what, count(*)::VARCHAR AS got, 'the project list has 11 projects' AS problem
FROM seed_zw_projects HAVING count(*) <> 11
UNION ALL
SELECT project_id, name_zh, 'a project lacks its investment or deadline'
FROM seed_zw_projects WHERE investment_wan IS NULL OR TRY_CAST(investment_wan AS DOUBLE) IS NULL OR deadline_text IS NULL
