-- Actuals of the geohazard plan's indicators whose target holds per period or
-- per case ("≥2 per quarter", "each enterprise each month", "within 5
-- working days"): one row per indicator, period or case. The scorecard
-- evaluates each row against that year's target with target_status and
-- rolls them up to the year (share met, and which failed).
-- Shape shared by every int_grain_<plan> model (int_indicator_grain
-- unions them): indicator_id, year, grain (month, quarter, school_year,
-- case, enterprise_month, …), period_key (e.g. 2023-Q1, a ticket id),
-- period (the month the period or case ends in), actual, detail (what a
-- reader needs to find the case: enterprise, department, ticket).
--
-- 33号's per-case targets:
--   地质灾害发生后报告时限 (≤4 h): one row per disaster record (发生灾情),
--       actual = hours from observed_at to reported_at;
--   重大灾害险情报告时限 (≤2 h): one row per major danger or disaster
--       (int_gh_reports says which are major and why), same actual;
--       a major disaster is a case of both;
--   汛期隐患点巡查次数 (≥1): one row per registered site and year,
--       actual = inspections dated inside the key prevention period
--       (int_gh_key_period), the case ending in the period's last month.
-- A case without a usable time (observed_at missing, reported before
-- observed) has actual NULL and says why in detail; an unreported one
-- counts the hours up to the build.
WITH ind AS (
    SELECT indicator_id, name_zh FROM stg_indicators WHERE plan_id = 'geohazard_2023'
),
report_cases AS (
    SELECT i.indicator_id, r.*
    FROM int_gh_reports r
    JOIN ind i
      ON (i.name_zh = '地质灾害发生后报告时限' AND r.event_kind = 'disaster')
      OR (i.name_zh = '重大灾害险情报告时限' AND r.is_major)
),
years AS (
    SELECT DISTINCT CAST(year(inspection_date) AS INTEGER) AS year FROM stg_gh_inspections WHERE is_latest
),
inspected AS (
    SELECT s.site_id, s.name_zh, y.year,
        make_date(y.year, k.from_month, k.from_day) AS period_from,
        make_date(y.year, k.to_month, k.to_day)     AS period_to,
        count(i.site_id)                            AS inspections,
        max(i.inspection_date)                      AS last_inspection
    FROM stg_hazard_sites s
    CROSS JOIN years y
    CROSS JOIN int_gh_key_period k
    LEFT JOIN stg_gh_inspections i
           ON i.is_latest AND i.site_id = s.site_id
          AND i.inspection_date BETWEEN make_date(y.year, k.from_month, k.from_day) AND make_date(y.year, k.to_month, k.to_day)
    GROUP BY ALL
)
SELECT
    indicator_id,
    year,
    'case'                                                              AS grain,
    event_id                                                            AS period_key,
    CAST(date_trunc('month', coalesce(reported_at, observed_at, inspection_date)) AS DATE) AS period,
    CAST(hours_to_report AS DOUBLE)                                     AS actual,
    site_id || ' ' || finding || ' ' || warning_level_zh ||
        IF(is_major, ' (major)', '') ||
        ': observed ' || coalesce(strftime(observed_at, '%Y-%m-%d %H:%M'), '?') ||
        ', reported ' || coalesce(strftime(reported_at, '%Y-%m-%d %H:%M'), 'not yet') ||
        coalesce(', ' || hours_to_report || ' h', '') ||
        coalesce(' — ' || timing_problem, '')                           AS detail
FROM report_cases
UNION ALL
SELECT
    i.indicator_id,
    c.year,
    'case',
    c.site_id || ' ' || c.year,
    make_date(c.year, month(c.period_to), 1),
    CAST(c.inspections AS DOUBLE),
    c.site_id || ' ' || c.name_zh || ': ' || c.inspections || ' inspections between ' ||
        strftime(c.period_from, '%Y-%m-%d') || ' and ' || strftime(c.period_to, '%Y-%m-%d') ||
        coalesce(' (last ' || strftime(c.last_inspection, '%Y-%m-%d') || ')', '')
FROM inspected c
JOIN ind i ON i.name_zh = '汛期隐患点巡查次数（每处隐患点）'
