-- seeds/calendar_cn.csv covers 2023–2025 as the State Council General
-- Office's notices set them (国办发明电〔2022〕16号 for 2023, 〔2023〕7号
-- for 2024, 〔2024〕12号 for 2025): every festival of each year is there,
-- each row names its year's notice, make-up working days (调休) fall on
-- weekends, no date is listed twice, and the working days of each year add
-- up to the total the notices give (249, 251 and 248).
WITH cal AS (
    SELECT CAST(date AS DATE) AS d, kind, name_zh, source FROM seed_calendar_cn
),
years(y, notice, working_days) AS (
    VALUES (2023, '国办发明电〔2022〕16号', 249), (2024, '国办发明电〔2023〕7号', 251), (2025, '国办发明电〔2024〕12号', 248)
),
festivals(f) AS (
    VALUES ('元旦'), ('春节'), ('清明节'), ('劳动节'), ('端午节'), ('中秋节'), ('国庆节')
),
days AS (
    SELECT CAST(x AS DATE) AS d FROM unnest(generate_series(DATE '2023-01-01', DATE '2025-12-31', INTERVAL 1 DAY)) AS t(x)
)
SELECT CAST(y.y AS VARCHAR) AS what, f.f AS detail, 'festival missing from the calendar' AS problem
FROM years y CROSS JOIN festivals f
WHERE NOT EXISTS (SELECT 1 FROM cal WHERE cal.kind = 'holiday' AND year(cal.d) = y.y AND cal.name_zh LIKE '%' || f.f || '%')
UNION ALL
SELECT CAST(d AS VARCHAR), name_zh, 'make-up working day (调休) that is not a weekend day'
FROM cal WHERE kind = 'workday' AND isodow(d) <= 5
UNION ALL
SELECT CAST(d AS VARCHAR), kind, 'kind must be holiday or workday' FROM cal WHERE kind NOT IN ('holiday', 'workday')
UNION ALL
SELECT CAST(d AS VARCHAR), CAST(count(*) AS VARCHAR), 'date listed more than once' FROM cal GROUP BY d HAVING count(*) > 1
UNION ALL
SELECT CAST(cal.d AS VARCHAR), cal.source, 'row does not name its year''s notice'
FROM cal JOIN years y ON y.y = CASE WHEN cal.d = DATE '2022-12-31' THEN 2023 ELSE year(cal.d) END
WHERE cal.source NOT LIKE '%' || y.notice || '%'
UNION ALL
SELECT CAST(y.y AS VARCHAR), CAST(count(*) AS VARCHAR) || ' working days', 'working days differ from the notice''s total ' || y.working_days
FROM years y JOIN days ON year(days.d) = y.y
WHERE is_working_day(days.d)
GROUP BY y.y, y.working_days HAVING count(*) <> y.working_days
