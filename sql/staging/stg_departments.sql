-- Departments with every name the bulletin uses for them.
SELECT dept_id, name_zh, name_en,
       list_filter(string_split(coalesce(aliases_zh, ''), '、'), a -> a <> '') AS aliases_zh,
       string_split(doc_no, '、') AS doc_nos, notes
FROM seed_departments
