-- Plans and the period they cover.
SELECT plan_id, doc_no, name_zh, name_en,
       CAST(period_start AS DATE) AS period_start, CAST(period_end AS DATE) AS period_end, notes
FROM seed_plans
