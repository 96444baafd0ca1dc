-- Actuals of the science_literacy plan's (伊政发〔2023〕34号) indicators
-- whose target holds per period or per case: one row per indicator and
-- period. The scorecard evaluates each row against that year's target with
-- target_status and rolls them up to the year (share met, and which failed).
-- Shape shared by every int_grain_<plan> model (int_indicator_grain unions
-- them): indicator_id, year, grain, period_key, period (the month the
-- period ends in), actual, detail.
--
-- sl-03 每校每学年举办科普讲座不少于5次: per school and school year
-- (1 September – 31 August), the lectures held there (int_sl_activities;
-- seeds/sl_activity_measures.csv names the activity type). Year = the year
-- the school year ends, period = its August. A school year counts once the
-- activity log covers all of it: the log starts by its September and
-- reaches its August (a school year seen in part would undercount). Only
-- schools where some activity was held are known; a school with none at
-- all is not in the log, so it cannot show here.
WITH lectures AS (
    SELECT a.*
    FROM int_sl_activities a
    JOIN seed_sl_activity_measures m ON m.activity_type = a.activity_type AND m.indicator_id = 'sl-03'
),
coverage AS (
    SELECT min(period) AS first_month, max(period) AS last_month FROM int_sl_activities
),
school_years AS (
    SELECT DISTINCT school, school_year, school_year_end FROM int_sl_activities WHERE school IS NOT NULL
)
SELECT
    'sl-03' AS indicator_id,
    s.school_year_end AS year,
    'school_year' AS grain,
    s.school_year || ' ' || s.school AS period_key,
    make_date(s.school_year_end, 8, 1) AS period,
    CAST(count(l.activity_id) AS DOUBLE) AS actual,
    concat_ws(' · ', s.school, s.school_year, count(l.activity_id) || ' lectures',
              coalesce(sum(l.participants), 0) || ' person-times') AS detail
FROM school_years s
CROSS JOIN coverage c
LEFT JOIN lectures l ON l.school = s.school AND l.school_year = s.school_year
WHERE c.first_month <= make_date(s.school_year_end - 1, 9, 1)
  AND c.last_month >= make_date(s.school_year_end, 8, 1)
GROUP BY s.school, s.school_year, s.school_year_end
