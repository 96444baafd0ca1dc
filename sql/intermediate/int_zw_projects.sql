-- 31号 附件2's construction projects month by month, from the project
-- ledger (zw_project_progress, latest revision of each month's file): the
-- investment completed against the printed total, and whether the project
-- keeps to its schedule. One row per project and month reported.
--
-- Schedule: the straight line from the start of the printed period
-- ("2022年6月—2024年6月" starts 2022-06-01, "2023年—2024年" 2023-01-01) to
-- the deadline. elapsed_pct is the share of that span gone by the end of
-- the month; a project is behind schedule when its investment is more than
-- 10 points below it (investment seldom follows a straight line, and a
-- leader asks about the projects clearly behind, not about a month's
-- rounding). After the deadline a project not completed is overdue.
-- Completed means the ledger says 已完工 or 已投运; the first month it says
-- so is the completion month, judged against the deadline's month.
WITH plan AS (
    SELECT
        project_id, seq, name_zh, builder_zh, period_text, investment_wan AS planned_wan,
        deadline_text, deadline_date,
        make_date(
            TRY_CAST(nullif(regexp_extract(period_text, '^(\d{4})年', 1), '') AS INTEGER),
            coalesce(TRY_CAST(nullif(regexp_extract(period_text, '^\d{4}年(\d{1,2})月', 1), '') AS INTEGER), 1),
            1) AS start_date
    FROM stg_zw_projects
),
ledger AS (
    -- One row per project and month: a department's corrected file
    -- replaces its earlier one (is_latest); should two units report the
    -- same project for a month, the later submission counts.
    SELECT project_id, period, department, investment_month_wan, investment_cumulative_wan, status
    FROM stg_zw_project_progress
    WHERE is_latest
    QUALIFY row_number() OVER (PARTITION BY project_id, period ORDER BY _submitted_at DESC, department) = 1
),
monthly AS (
    SELECT
        l.*,
        -- The cumulative figure should be last month's plus this month's;
        -- a gap shows a missing month or a typing slip in the ledger.
        l.investment_cumulative_wan
            - (lag(l.investment_cumulative_wan) OVER w + l.investment_month_wan) AS ledger_gap_wan,
        min(CASE WHEN l.status IN ('已完工', '已投运') THEN l.period END) OVER w AS completed_period
    FROM ledger l
    WINDOW w AS (PARTITION BY l.project_id ORDER BY l.period)
),
measured AS (
    SELECT
        m.*,
        p.seq, p.name_zh, p.builder_zh, p.period_text, p.planned_wan, p.start_date, p.deadline_text, p.deadline_date,
        100.0 * m.investment_cumulative_wan / nullif(p.planned_wan, 0) AS pct_of_plan,
        100.0 * greatest(0.0, least(1.0,
            date_diff('day', p.start_date, last_day(m.period) + 1)
            / nullif(date_diff('day', p.start_date, p.deadline_date + 1), 0)::DOUBLE)) AS elapsed_pct
    FROM monthly m
    JOIN plan p USING (project_id)
)
SELECT
    project_id,
    seq,
    name_zh,
    builder_zh,
    period,
    department,
    status,
    investment_month_wan,
    investment_cumulative_wan,
    ledger_gap_wan,
    planned_wan,
    pct_of_plan,
    period_text,
    start_date,
    deadline_text,
    deadline_date,
    elapsed_pct,
    pct_of_plan - elapsed_pct AS schedule_gap_pts,
    completed_period,
    CASE
        WHEN completed_period IS NOT NULL AND status IN ('已完工', '已投运')
            THEN IF(completed_period <= date_trunc('month', deadline_date), 'completed_on_time', 'completed_late')
        WHEN status = '停建' THEN 'halted'
        WHEN last_day(period) > deadline_date THEN 'overdue'
        WHEN pct_of_plan < elapsed_pct - 10 THEN 'behind_schedule'
        ELSE 'on_schedule'
    END AS schedule_status
FROM measured
