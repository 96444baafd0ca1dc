-- 31号 附件1: the task list; deadline_date is NULL for ongoing tasks.
SELECT task_id, doc_no, CAST(seq AS INTEGER) AS seq, section_zh, task_zh,
       list_filter(string_split(coalesce(lead_units, ''), '、'), u -> u <> '') AS lead_units,
       list_filter(string_split(coalesce(participating_units, ''), '、'), u -> u NOT IN ('', '—')) AS participating_units,
       deadline_text, TRY_CAST(deadline_date AS DATE) AS deadline_date, notes
FROM seed_zw_tasks
