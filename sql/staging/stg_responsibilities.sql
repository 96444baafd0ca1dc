-- Who leads what, effective-dated: a record holds from effective_from to
-- effective_to inclusive (open-ended when effective_to is NULL). Ask
-- "who held energy work on 2023-06-01" with
--   WHERE DATE '2023-06-01' BETWEEN effective_from AND coalesce(effective_to, DATE '9999-12-31')
SELECT r.leader_id, r.name_zh, l.title_zh, r.area_zh, r.area_en,
       list_filter(string_split(coalesce(r.units_zh, ''), '、'), u -> u <> '') AS units,
       r.doc_no, CAST(r.effective_from AS DATE) AS effective_from, CAST(r.effective_to AS DATE) AS effective_to, r.notes
FROM seed_responsibilities r
LEFT JOIN seed_leaders l USING (leader_id)
