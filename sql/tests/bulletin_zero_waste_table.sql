-- 31号: the 指标体系 table has 50 rows numbered 1–50, marks are ★ ● ▲ or
-- none, every row has a 2020 baseline cell and three target cells.
SELECT 'rows' AS what, count(*)::VARCHAR AS got, 'the table has 50 rows' AS problem
FROM seed_indicators WHERE plan_id = 'zero_waste' HAVING count(*) <> 50
UNION ALL
SELECT 'seq', string_agg(seq, ','), 'seq must be 1..50, each once'
FROM seed_indicators WHERE plan_id = 'zero_waste'
HAVING count(DISTINCT CAST(seq AS INTEGER)) <> 50 OR min(CAST(seq AS INTEGER)) <> 1 OR max(CAST(seq AS INTEGER)) <> 50
UNION ALL
SELECT indicator_id, mark, 'mark must be ★, ● or ▲'
FROM seed_indicators WHERE plan_id = 'zero_waste' AND coalesce(mark, '') NOT IN ('', '★', '●', '▲')
UNION ALL
SELECT indicator_id, name_zh, 'a zero-waste row lacks its baseline or a target cell'
FROM seed_indicators
WHERE plan_id = 'zero_waste' AND (baseline IS NULL OR target_2023 IS NULL OR target_2024 IS NULL OR target_2025 IS NULL OR baseline_year <> '2020')
UNION ALL
SELECT 'marks', count(*) FILTER (WHERE mark = '★') || '★ ' || count(*) FILTER (WHERE mark = '●') || '● ' || count(*) FILTER (WHERE mark = '▲') || '▲',
       'the table prints 24 ★, 5 ● and 1 ▲'
FROM seed_indicators WHERE plan_id = 'zero_waste'
HAVING count(*) FILTER (WHERE mark = '★') <> 24 OR count(*) FILTER (WHERE mark = '●') <> 5 OR count(*) FILTER (WHERE mark = '▲') <> 1
