-- 33号 alerts for leaders: one row per warning, from the sensors (a spell
-- of warning hours at a site, int_gh_warnings) or from the inspection
-- records (a danger or disaster found on site, int_gh_reports), with the
-- site, its zone and town, the level, whether it fell in the key
-- prevention period (5月1日至9月30日), and the report to the banner
-- government against 33号's rules: 4 hours after a disaster, 2 hours for
-- a major danger (report_status is target_status's verdict against the
-- rule's target; 'no_hour_limit' where 33号 asks only for 及时).
-- A sensor warning shows the inspection record that followed it (same
-- site, observed from 6 hours before the warning began to 24 hours after
-- it ended) and the hours from the warning to that report; an orange or
-- red sensor warning with no such record is 'no_report'.
WITH sites AS (
    SELECT s.site_id, s.name_zh AS site_name_zh, s.type AS site_type, s.type_zh AS site_type_zh,
           s.scale_zh, s.zone_code, z.prone_level_zh, s.town_zh, s.longitude, s.latitude
    FROM stg_hazard_sites s
    LEFT JOIN stg_hazard_zones z USING (zone_code)
),
reports AS (
    SELECT *,
        -- the strictest rule that applies: 2 h for a major case, else 4 h
        coalesce(major_rule_id, disaster_rule_id)                         AS rule_id,
        coalesce(major_rule, disaster_rule)                               AS rule_text,
        CASE WHEN major_rule_id IS NOT NULL THEN major_rule_status
             WHEN disaster_rule_id IS NOT NULL THEN disaster_rule_status
             ELSE 'no_hour_limit' END                                     AS rule_status
    FROM int_gh_reports
),
linked AS (
    SELECT w.warning_id, r.*
    FROM int_gh_warnings w
    JOIN reports r
      ON r.site_id = w.site_id
     AND r.observed_at BETWEEN w.started_at - INTERVAL 6 HOUR AND w.ended_at + INTERVAL 24 HOUR
    QUALIFY row_number() OVER (PARTITION BY w.warning_id ORDER BY r.observed_at) = 1
),
alerts AS (
    SELECT
        w.warning_id                    AS alert_id,
        'sensors'                       AS source,
        w.site_id,
        'sensor_warning'                AS event_kind,
        NULL                            AS finding,
        w.warning_rank                  AS level_rank,
        w.warning_level                 AS level,
        w.warning_level_zh              AS level_zh,
        w.started_at,
        w.peak_at,
        w.ended_at,
        w.warning_hours,
        w.trigger_channel,
        w.trigger_window,
        w.trigger_value,
        w.trigger_threshold,
        w.triggers_at_peak,
        w.in_key_period,
        l.event_id                      AS report_event_id,
        l.observed_at,
        l.reported_at,
        l.hours_to_report,
        round((epoch(l.reported_at) - epoch(w.started_at)) / 3600.0, 2) AS hours_from_warning_to_report,
        l.rule_id                       AS report_rule_id,
        l.rule_text                     AS report_rule,
        CASE WHEN l.event_id IS NULL AND w.warning_rank >= 3 THEN 'no_report' ELSE l.rule_status END AS report_status,
        NULL                            AS remarks
    FROM int_gh_warnings w
    LEFT JOIN linked l USING (warning_id)
    UNION ALL
    SELECT
        r.event_id,
        'inspection',
        r.site_id,
        r.event_kind,
        r.finding,
        r.warning_rank,
        r.warning_level,
        r.warning_level_zh,
        coalesce(r.observed_at, CAST(r.inspection_date AS TIMESTAMPTZ)),
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        NULL,
        CAST(coalesce(r.observed_at, CAST(r.inspection_date AS TIMESTAMPTZ)) AS DATE) BETWEEN
            make_date(r.year, k.from_month, k.from_day) AND make_date(r.year, k.to_month, k.to_day),
        r.event_id,
        r.observed_at,
        r.reported_at,
        r.hours_to_report,
        NULL,
        r.rule_id,
        r.rule_text,
        r.rule_status,
        coalesce(r.remarks, r.timing_problem)
    FROM reports r
    CROSS JOIN int_gh_key_period k
)
SELECT
    a.alert_id,
    a.source,
    CAST(year(a.started_at) AS INTEGER) AS year,
    a.site_id,
    s.site_name_zh,
    s.site_type,
    s.site_type_zh,
    s.scale_zh,
    s.zone_code,
    s.prone_level_zh,
    s.town_zh,
    s.longitude,
    s.latitude,
    a.event_kind,
    a.finding,
    a.level_rank,
    a.level,
    a.level_zh,
    a.started_at,
    a.peak_at,
    a.ended_at,
    a.warning_hours,
    a.trigger_channel,
    a.trigger_window,
    a.trigger_value,
    a.trigger_threshold,
    a.triggers_at_peak,
    a.in_key_period,
    a.report_event_id,
    a.observed_at,
    a.reported_at,
    a.hours_to_report,
    a.hours_from_warning_to_report,
    a.report_rule_id,
    a.report_rule,
    a.report_status,
    a.remarks
FROM alerts a
LEFT JOIN sites s USING (site_id)
