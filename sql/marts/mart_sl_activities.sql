-- 34号 science-popularisation activities by type, department and period,
-- beside the target each feeds: one row per activity type, department and
-- period, where a period is a calendar year (period_kind 'year') or a
-- school year (period_kind 'school_year', counted in the year it ends).
-- indicator_ids names the targets the type feeds (seeds/sl_activity_measures.csv)
-- and target_text their targets of that year (per-school-year targets on
-- school-year rows, the others on calendar-year rows); the totals the targets are
-- judged on are banner-wide (mart_scorecard, int_grain_science_literacy),
-- so this table shows who contributed. is_lead_department: the department
-- is a lead unit of one of those indicators.
WITH measures AS (
    SELECT m.activity_type,
           string_agg(m.indicator_id, '、' ORDER BY m.indicator_id) AS indicator_ids,
           list(m.indicator_id) AS ids
    FROM seed_sl_activity_measures m
    GROUP BY m.activity_type
),
periods AS (
    SELECT 'year' AS period_kind, CAST(year AS VARCHAR) AS period_label, year, a.* EXCLUDE (year)
    FROM int_sl_activities a
    UNION ALL
    SELECT 'school_year', school_year, school_year_end, a.* EXCLUDE (year)
    FROM int_sl_activities a
),
grouped AS (
    SELECT period_kind, period_label, year, activity_type, department,
           count(*) AS activities,
           sum(participants) AS participants,
           count(DISTINCT school) AS schools,
           min(activity_date) AS first_activity,
           max(activity_date) AS last_activity
    FROM periods
    GROUP BY ALL
)
SELECT
    g.period_kind,
    g.period_label,
    g.year,
    g.activity_type,
    g.department,
    g.activities,
    g.participants,
    g.schools,
    g.first_activity,
    g.last_activity,
    m.indicator_ids,
    (SELECT string_agg(t.indicator_id || ' ' || t.text, '；' ORDER BY t.indicator_id)
     FROM stg_targets t
     JOIN seed_indicator_paths p USING (indicator_id)
     WHERE t.kind = 'target' AND t.year = g.year AND list_contains(m.ids, t.indicator_id)
       -- a school-year row shows per-school-year targets, a calendar-year row the others
       AND (p.grain = 'school_year') = (g.period_kind = 'school_year')) AS target_text,
    coalesce((SELECT bool_or(i.lead_unit = g.department) FROM stg_indicators i WHERE list_contains(m.ids, i.indicator_id)), false)
        AS is_lead_department
FROM grouped g
LEFT JOIN measures m USING (activity_type)
