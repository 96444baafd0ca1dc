-- 28号 problem ledger (企业诉求问题台账): one row per problem an enterprise
-- raised, as its latest ledger row states it, with its due dates and
-- whether they were kept.
--
-- Time limits (seeds/er_rules.csv, as 伊政发〔2023〕28号 prints them):
--   一般性问题  solved within 1 month: due = received + 1 calendar month;
--   复杂性问题  solved within 3 months: due = received + 3 calendar months,
--              and a handling plan within 5 working days: plan due on the
--              5th working day after receipt (add_working_days, with the
--              holidays and 调休 of seeds/calendar_cn.csv);
--   特殊性问题  one policy per enterprise (一企一策): no time limit.
-- "Now" is as_of_date: the day the latest ledger file arrived (Asia/Shanghai,
-- the warehouse's zone). A problem still 办理中 then is open; open after its
-- due date it is overdue. A problem is breached when its time limit was
-- broken: solved after the due date, or not solved (open or 无法办结) by
-- as_of_date when that is past the due date.
-- Excluded from the targets (28号: 季节性停产、注销、破产或计划退库、涉法涉诉
-- 等问题企业除外): problems of an enterprise in a seasonal stoppage in the
-- month received (er_enterprise_monthly) or in seeds/er_enterprise_exclusions.csv
-- on the day received. They stay here, flagged, and still get due dates.
WITH rules AS (
    SELECT
        CAST(max(value) FILTER (WHERE rule_id = 'general_problem_months') AS INTEGER)    AS general_months,
        CAST(max(value) FILTER (WHERE rule_id = 'complex_problem_months') AS INTEGER)    AS complex_months,
        CAST(max(value) FILTER (WHERE rule_id = 'complex_plan_working_days') AS INTEGER) AS plan_working_days
    FROM seed_er_rules
),
as_of AS (
    SELECT max(CAST(_submitted_at AS DATE)) AS as_of_date FROM stg_er_problem_ledger
),
names AS (
    -- The ledger's credit code is optional: find it from the monthly
    -- statistics by the enterprise's name when the name is unambiguous.
    SELECT enterprise_name, any_value(enterprise_code) AS enterprise_code
    FROM stg_er_enterprise_monthly WHERE is_latest
    GROUP BY enterprise_name HAVING count(DISTINCT enterprise_code) = 1
),
tickets AS (
    SELECT l.problem_id, l.department, coalesce(l.enterprise_code, n.enterprise_code) AS enterprise_code,
           l.enterprise_name, l.received_date, l.description, l.complexity, l.assigned_unit,
           l.plan_date, l.resolved_date, l.status, l.updates, l._file, l._row
    FROM (SELECT *, count(*) OVER (PARTITION BY problem_id) AS updates FROM stg_er_problem_ledger) l
    LEFT JOIN names n USING (enterprise_name)
    WHERE l.is_latest
),
seasonal AS (
    SELECT enterprise_code, period FROM int_er_four_kinds WHERE excluded_reason = '季节性停产'
),
registered AS (
    SELECT t.problem_id, string_agg(DISTINCT x.reason_zh, '、') AS reasons
    FROM tickets t
    JOIN seed_er_enterprise_exclusions x
      ON x.enterprise_code = t.enterprise_code
     AND CAST(x.effective_from AS DATE) <= t.received_date
     AND (nullif(trim(x.effective_to), '') IS NULL OR CAST(x.effective_to AS DATE) >= t.received_date)
    GROUP BY t.problem_id
),
due AS (
    SELECT t.*,
           a.as_of_date,
           CASE t.complexity
               WHEN '一般性问题' THEN CAST(t.received_date + to_months(r.general_months) AS DATE)
               WHEN '复杂性问题' THEN CAST(t.received_date + to_months(r.complex_months) AS DATE)
           END AS due_date,
           CASE WHEN t.complexity = '复杂性问题' THEN add_working_days(t.received_date, r.plan_working_days) END AS plan_due_date,
           t.status = '已办结' AND t.resolved_date IS NOT NULL AS is_resolved,
           CASE WHEN s.enterprise_code IS NOT NULL THEN '季节性停产' ELSE g.reasons END AS excluded_reason
    FROM tickets t
    CROSS JOIN rules r
    CROSS JOIN as_of a
    LEFT JOIN seasonal s ON s.enterprise_code = t.enterprise_code AND s.period = date_trunc('month', t.received_date)
    LEFT JOIN registered g USING (problem_id)
)
SELECT
    problem_id,
    department,
    enterprise_code,
    enterprise_name,
    received_date,
    description,
    complexity,
    assigned_unit,
    status,
    updates,
    due_date,
    plan_due_date,
    plan_date,
    resolved_date,
    as_of_date,
    is_resolved,
    status = '办理中' AS is_open,
    coalesce(status = '办理中' AND as_of_date > due_date, false) AS is_overdue,
    coalesce(CASE WHEN is_resolved THEN resolved_date > due_date ELSE as_of_date > due_date END, false) AS is_breached,
    coalesce(CASE WHEN plan_date IS NOT NULL THEN plan_date > plan_due_date ELSE as_of_date > plan_due_date END, false) AS is_plan_late,
    CASE WHEN is_resolved THEN date_diff('day', received_date, resolved_date) END AS days_to_resolve,
    CASE WHEN NOT is_resolved THEN date_diff('day', received_date, as_of_date) END AS days_open,
    -- Months taken (decimal calendar months; see elapsed_months): to the
    -- solution, or so far for a problem not solved.
    elapsed_months(received_date, CASE WHEN is_resolved THEN resolved_date ELSE as_of_date END) AS months_taken,
    -- Working days to the handling plan, or so far when none is recorded.
    CASE WHEN complexity = '复杂性问题'
         THEN working_days_between(received_date, coalesce(plan_date, as_of_date)) END AS plan_working_days,
    excluded_reason,
    _file,
    _row
FROM due
