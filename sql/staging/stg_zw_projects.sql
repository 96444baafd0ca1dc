-- 31号 附件2: the construction projects, investment in 万元 as printed.
SELECT project_id, doc_no, CAST(seq AS INTEGER) AS seq, name_zh, content_zh, period_text, builder_zh,
       CAST(investment_wan AS DOUBLE) AS investment_wan, deadline_text,
       CAST(deadline_date AS DATE) AS deadline_date, notes
FROM seed_zw_projects
