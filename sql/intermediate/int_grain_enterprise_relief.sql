-- Actuals of the enterprise_relief plan's (伊政发〔2023〕28号) indicators
-- whose target holds per period or per case: one row per indicator, period
-- or case. The scorecard evaluates each row against that year's target with
-- target_status and rolls them up to the year (share met, and which failed).
-- Shape shared by every int_grain_<plan> model (int_indicator_grain unions
-- them): indicator_id, year, grain, period_key, period (the month the
-- period or case ends in), actual, detail.
--
--   er-02 / er-03  per general / complex problem (int_er_tickets): calendar
--                  months taken to solve it; for a problem not solved, the
--                  months so far once its due date has passed (so it fails),
--                  null while it is open and not yet due. Year = year
--                  received; period = month solved, else month due.
--                  Problems of excluded enterprises are left out.
--   er-23          per complex problem: working days to its handling plan,
--                  or so far when none is recorded after the 5th working day.
--   er-22          per special action's lead unit and month
--                  (int_er_progress_reports): the day of the next month its
--                  report arrived, or the days so far while missing.
--   reported       per department and month, quarter or once (int_er_reports).
WITH tickets AS (
    SELECT * FROM int_er_tickets
    WHERE excluded_reason IS NULL AND complexity IN ('一般性问题', '复杂性问题')
)
SELECT
    CASE complexity WHEN '一般性问题' THEN 'er-02' ELSE 'er-03' END AS indicator_id,
    CAST(year(received_date) AS INTEGER) AS year,
    'case' AS grain,
    problem_id AS period_key,
    CAST(date_trunc('month', CASE WHEN is_resolved THEN resolved_date ELSE due_date END) AS DATE) AS period,
    CASE WHEN is_resolved OR as_of_date > due_date THEN months_taken END AS actual,
    concat_ws(' · ', enterprise_name, complexity, status, 'received ' || received_date, 'due ' || due_date,
              'solved ' || resolved_date, 'unit ' || assigned_unit) AS detail
FROM tickets
UNION ALL
SELECT
    'er-23',
    CAST(year(received_date) AS INTEGER),
    'case',
    problem_id,
    CAST(date_trunc('month', coalesce(plan_date, plan_due_date)) AS DATE),
    CASE WHEN plan_date IS NOT NULL OR as_of_date > plan_due_date THEN CAST(plan_working_days AS DOUBLE) END,
    concat_ws(' · ', enterprise_name, 'received ' || received_date, 'plan due ' || plan_due_date,
              coalesce('plan ' || plan_date, 'no plan as of ' || as_of_date), 'unit ' || assigned_unit)
FROM tickets
WHERE complexity = '复杂性问题'
UNION ALL
SELECT
    'er-22',
    year,
    'case',
    strftime(period, '%Y-%m') || ' ' || department,
    period,
    CAST(days_after_month_end AS DOUBLE),
    concat_ws(' · ', department, 'due ' || due_date,
              coalesce('arrived ' || arrived_on, 'missing as of ' || as_of_date), actions)
FROM int_er_progress_reports
UNION ALL
SELECT
    indicator_id,
    year,
    grain,
    period_label || ' ' || department,
    period,
    actual,
    concat_ws(' · ', department, months_reported || ' monthly report(s)', remarks)
FROM int_er_reports
