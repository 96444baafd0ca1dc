-- 31号 附件2: the 11 zero-waste construction projects as they stand, one
-- row per project: investment completed to date against the printed total,
-- the share of the schedule gone, and whether the project is on schedule,
-- behind, overdue, halted or completed (on time or late); the figures are
-- those of the latest month the ledger reports (int_zw_projects). A
-- project the ledger has never reported stays listed, as no_report.
WITH latest AS (
    SELECT * FROM int_zw_projects
    QUALIFY row_number() OVER (PARTITION BY project_id ORDER BY period DESC) = 1
),
this_year AS (
    -- Investment in the calendar year of the latest month, what zw-41 adds up.
    SELECT p.project_id, sum(p.investment_month_wan) AS investment_year_wan
    FROM int_zw_projects p
    JOIN latest l ON l.project_id = p.project_id AND year(p.period) = year(l.period)
    GROUP BY ALL
)
SELECT
    s.project_id,
    s.seq,
    s.name_zh,
    s.builder_zh,
    s.content_zh,
    s.period_text,
    s.deadline_text,
    s.deadline_date,
    s.investment_wan                        AS planned_wan,
    l.period                                AS as_of_period,
    l.status,
    l.investment_cumulative_wan,
    y.investment_year_wan,
    l.pct_of_plan,
    l.start_date,
    l.elapsed_pct,
    l.schedule_gap_pts,
    l.completed_period,
    coalesce(l.schedule_status, 'no_report') AS schedule_status,
    l.ledger_gap_wan
FROM stg_zw_projects s
LEFT JOIN latest l USING (project_id)
LEFT JOIN this_year y USING (project_id)
