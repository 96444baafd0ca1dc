-- Actuals of the zero_waste plan's indicators whose target holds per period or
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
-- 31号 sets every zero-waste target for a year, so no zero-waste indicator
-- has rows here today (seeds/paths_zero_waste.csv gives each one's grain).
-- Milestones are scored as yearly actuals (1 = done by the deadline) in
-- the zero-waste actuals model, not here. The first candidate is zw-46
-- (涉固体废物信访、投诉、举报案件办结率, each case closed) once a case
-- ledger is a data set.
SELECT
    CAST(NULL AS VARCHAR) AS indicator_id,
    CAST(NULL AS INTEGER) AS year,
    CAST(NULL AS VARCHAR) AS grain,
    CAST(NULL AS VARCHAR) AS period_key,
    CAST(NULL AS DATE)    AS period,
    CAST(NULL AS DOUBLE)  AS actual,
    CAST(NULL AS VARCHAR) AS detail
WHERE false
