-- Yearly actuals of the enterprise_relief plan's indicators computed from source
-- records, one row per indicator and month reported: the value for the
-- year as known at that month (year to date, or the latest level).
-- Shape shared by every int_actuals_<plan> model (int_indicator_actuals
-- unions them): indicator_id, year, period (first day of the month),
-- actual, actual_month, reporters, source.
SELECT
    CAST(NULL AS VARCHAR) AS indicator_id,
    CAST(NULL AS INTEGER) AS year,
    CAST(NULL AS DATE)    AS period,
    CAST(NULL AS DOUBLE)  AS actual,
    CAST(NULL AS DOUBLE)  AS actual_month,
    CAST(NULL AS BIGINT)  AS reporters,
    'records'             AS source
WHERE false
