-- Yearly actuals of the geohazard plan's indicators computed from source
-- records, one row per indicator and month reported: the value for the
-- year as known at that month (year to date, or the latest level).
-- Shape shared by every int_actuals_<plan> model (int_indicator_actuals
-- unions them): indicator_id, year, period (first day of the month),
-- actual, actual_month, reporters, source.
--
-- 33号 sets no yearly figure to be computed from records: what it counts
-- holds per case (reports within 4 / 2 hours, each site inspected in the
-- key period: int_grain_geohazard), what it states as fact is checked, not
-- scored (site counts, zone areas, the rainfall climate:
-- mart_gh_reference_checks), and the rest are milestones, which
-- int_indicator_actuals takes from int_milestones (see
-- seeds/paths_geohazard.csv). So this model is empty by design; it keeps
-- the shared shape for int_indicator_actuals.
SELECT
    CAST(NULL AS VARCHAR) AS indicator_id,
    CAST(NULL AS INTEGER) AS year,
    CAST(NULL AS DATE)    AS period,
    CAST(NULL AS DOUBLE)  AS actual,
    CAST(NULL AS DOUBLE)  AS actual_month,
    CAST(NULL AS BIGINT)  AS reporters,
    'records'             AS source
WHERE false
