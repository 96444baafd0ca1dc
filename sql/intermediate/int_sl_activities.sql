-- 34号 science-popularisation activities (sl_activities; a later row for
-- the same activity_id replaces the earlier), one row per activity, with
-- the periods its targets count in:
--   year         the calendar year (每年 targets);
--   school_year  学年, 1 September to 31 August, labelled '2023-2024' and
--                counted in the year it ends (school_year_end), so the
--                2024-2025 school year meets the 2025 target;
--   school       the place when it names a school (…学校/小学/中学/高中/
--                初中): 每校每学年 counts lectures per school. Activities
--                elsewhere have no school.
SELECT
    activity_id,
    department,
    activity_date,
    CAST(date_trunc('month', activity_date) AS DATE) AS period,
    CAST(year(activity_date) AS INTEGER) AS year,
    sy.school_year_start || '-' || (sy.school_year_start + 1) AS school_year,
    CAST(sy.school_year_start + 1 AS INTEGER) AS school_year_end,
    activity_type,
    title,
    place,
    CASE WHEN regexp_matches(coalesce(trim(place), ''), '(学校|小学|中学|高中|初中)$') THEN trim(place) END AS school,
    participants,
    _file,
    _row
FROM stg_sl_activities,
     LATERAL (SELECT CASE WHEN month(activity_date) >= 9 THEN year(activity_date) ELSE year(activity_date) - 1 END AS school_year_start) AS sy
WHERE is_latest
