-- 28号 problem ledger for leaders: one row per problem an enterprise raised,
-- with its due dates and where it stands as of the latest ledger (see
-- int_er_tickets): open, overdue (open past its due date), breached (its
-- time limit broken: solved late or not solved in time), a complex
-- problem's handling plan late (after the 5th working day), days to
-- resolve or days open, and the exclusion that keeps it out of er-02/er-03/er-23.
SELECT
    problem_id,
    CASE complexity WHEN '一般性问题' THEN 'er-02' WHEN '复杂性问题' THEN 'er-03' END AS indicator_id,
    CAST(year(received_date) AS INTEGER) AS year,
    CAST(date_trunc('month', received_date) AS DATE) AS received_month,
    enterprise_name,
    enterprise_code,
    description,
    complexity,
    assigned_unit,
    department,
    status,
    received_date,
    due_date,
    plan_due_date,
    plan_date,
    resolved_date,
    as_of_date,
    is_open,
    is_overdue,
    is_breached,
    is_plan_late,
    days_to_resolve,
    days_open,
    round(months_taken, 2) AS months_taken,
    plan_working_days,
    excluded_reason,
    excluded_reason IS NULL AS counts_for_targets,
    updates
FROM int_er_tickets
