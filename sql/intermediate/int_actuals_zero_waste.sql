-- Yearly actuals of zero-waste indicators computed from submitted records
-- rather than from a department's own figure (31号; seeds/paths_zero_waste.csv
-- says which indicator takes which path): one row per indicator, year and
-- month, the value for the year as known at that month.
--
--   zw-18 一般工业固体废物综合利用率: utilised / generated tonnage over every
--         enterprise's latest monthly figures, year to date, in %.
--   project ledger (zw_project_progress; seeds/zw_project_indicators.csv
--   links indicators to 附件2 projects and says what each adds):
--     completed_count (zw-19): the linked projects whose latest status by
--         the month is 已完工 or 已投运. A count indicator's target is a total
--         to that year (the table's footnote), so this is the running total
--         since the baseline: a project completed in 2023 still counts in
--         2024. actual_month is the month's change.
--     investment (zw-41): the linked projects' monthly investment added up
--         over the year to date, in the indicator's unit (万元 -> 亿元).
--   Milestone indicators (zw-38 …) are carried for every plan alike by
--   int_indicator_actuals from int_milestones.
WITH solid_waste AS (
    SELECT period, sum(utilised_t) AS utilised_t, sum(generated_t) AS generated_t,
           count(DISTINCT enterprise_code) AS reporters
    FROM stg_zw_industrial_solid_waste
    WHERE is_latest
    GROUP BY period
),
utilisation AS (
    SELECT
        i.indicator_id,
        CAST(year(m.period) AS INTEGER) AS year,
        m.period,
        100.0 * sum(m.utilised_t) OVER ytd / nullif(sum(m.generated_t) OVER ytd, 0) AS actual,
        100.0 * m.utilised_t / nullif(m.generated_t, 0) AS actual_month,
        m.reporters,
        'records' AS source
    FROM solid_waste m
    JOIN stg_indicators i
      ON i.plan_id = 'zero_waste' AND i.name_zh = '一般工业固体废物综合利用率'
    WINDOW ytd AS (PARTITION BY year(m.period) ORDER BY m.period)
),
project_links AS (
    SELECT l.indicator_id, l.project_id, l.measure, i.unit
    FROM seed_zw_project_indicators l
    JOIN stg_indicators i USING (indicator_id)
),
ledger_months AS (
    SELECT DISTINCT period FROM int_zw_projects
),
-- Each linked project's status as of each ledger month: its latest report
-- at or before that month (a month it was not reported keeps the last).
status_by_month AS (
    SELECT x.indicator_id, x.period, p.status, p.period = x.period AS reported
    FROM (
        SELECT l.indicator_id, l.project_id, m.period
        FROM project_links l CROSS JOIN ledger_months m
        WHERE l.measure = 'completed_count'
    ) x
    ASOF LEFT JOIN int_zw_projects p
      ON p.project_id = x.project_id AND x.period >= p.period
),
completed AS (
    SELECT
        indicator_id,
        period,
        count(*) FILTER (WHERE status IN ('已完工', '已投运')) AS done,
        count(*) FILTER (WHERE reported) AS reporters
    FROM status_by_month
    GROUP BY ALL
),
completed_counts AS (
    SELECT
        indicator_id,
        CAST(year(period) AS INTEGER) AS year,
        period,
        CAST(done AS DOUBLE) AS actual,
        CAST(done - coalesce(lag(done) OVER (PARTITION BY indicator_id ORDER BY period), 0) AS DOUBLE) AS actual_month,
        reporters,
        'records' AS source
    FROM completed
),
invested AS (
    SELECT
        l.indicator_id,
        p.period,
        sum(p.investment_month_wan) * CASE l.unit WHEN '亿元' THEN 0.0001 WHEN '万元' THEN 1.0 END AS amount,
        count(*) AS reporters
    FROM project_links l
    JOIN int_zw_projects p USING (project_id)
    WHERE l.measure = 'investment'
    GROUP BY l.indicator_id, p.period, l.unit
),
investment AS (
    SELECT
        indicator_id,
        CAST(year(period) AS INTEGER) AS year,
        period,
        sum(amount) OVER (PARTITION BY indicator_id, year(period) ORDER BY period) AS actual,
        amount AS actual_month,
        reporters,
        'records' AS source
    FROM invested
)
SELECT
    indicator_id,
    CAST(year AS INTEGER)       AS year,
    CAST(period AS DATE)        AS period,
    CAST(actual AS DOUBLE)      AS actual,
    CAST(actual_month AS DOUBLE) AS actual_month,
    CAST(reporters AS BIGINT)   AS reporters,
    source
FROM (
    SELECT * FROM utilisation
    UNION ALL BY NAME SELECT * FROM completed_counts
    UNION ALL BY NAME SELECT * FROM investment
)
