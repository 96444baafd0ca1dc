-- Responsibilities are effective-dated without overlaps for the same
-- leader and area, and 38号 gives energy work to 李贵 from 2023-05-31.
SELECT a.name_zh, a.area_zh, 'overlapping effective ranges' AS problem
FROM seed_responsibilities a JOIN seed_responsibilities b
  ON a.leader_id = b.leader_id AND a.area_zh = b.area_zh AND a.effective_from < b.effective_from
WHERE coalesce(CAST(a.effective_to AS DATE), DATE '9999-12-31') >= CAST(b.effective_from AS DATE)
UNION ALL
SELECT '李贵', '能源', 'no energy responsibility for 李贵 from 2023-05-31'
WHERE NOT EXISTS (
    SELECT 1 FROM seed_responsibilities
    WHERE name_zh = '李贵' AND area_zh LIKE '%能源%' AND effective_from = '2023-05-31' AND doc_no LIKE '%38号%')
