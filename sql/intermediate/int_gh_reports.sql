-- 33号 六（七）灾情速报: every danger or disaster the inspection records
-- (gh_inspections, latest revision) with the time from its observation to
-- its report to the banner government, and the reporting rule it falls
-- under. One row per record that found something (finding other than
-- 无异常, or a warning level other than 无).
--
-- The rules, as 33号 words them:
--   地质灾害发生时 … 4小时内 报告 (indicator 地质灾害发生后报告时限):
--       records with finding 发生灾情 (a disaster happened);
--   遇到重大灾害险情时 … 2小时内 (indicator 重大灾害险情报告时限):
--       a major danger or disaster. 33号 does not define "major"; the
--       record's own warning level orange or red, or a site threatening
--       500 people or 5000万元 or more (the 大型 grade of the national
--       地质灾害险情 grading), makes it major (waymark's reading).
-- Other dangers (发现险情 blue or yellow, 发现变形迹象) must be reported
-- "及时" (promptly) with no hour limit: they get no rule.
-- The hour limits are the targets of those indicators (stg_targets, the
-- event's year or, for years after the plan, its last year), never typed
-- here; the status is target_status's verdict.
-- A record not yet reported counts the hours up to the build
-- (build_context.built_at, the build's one clock, never now()): an
-- unreported danger is late once the limit has passed.
WITH events AS (
    SELECT
        i.site_id || ' ' || strftime(i.inspection_date, '%Y-%m-%d') || ' ' || i.inspector AS event_id,
        i.site_id,
        i.department,
        i.inspection_date,
        i.inspector,
        i.finding,
        i.warning_level                                         AS warning_level_zh,
        coalesce(list_position(['蓝色', '黄色', '橙色', '红色'], i.warning_level), 0) AS warning_rank,
        i.observed_at,
        i.reported_at,
        i.remarks,
        s.threatened_people,
        s.threatened_property_wan
    FROM stg_gh_inspections i
    LEFT JOIN stg_hazard_sites s USING (site_id)
    WHERE i.is_latest
      AND (i.finding <> '无异常' OR i.warning_level <> '无')
),
classified AS (
    SELECT *,
        finding = '发生灾情'                                    AS is_disaster,
        finding IN ('发现险情', '发生灾情')
        AND (warning_rank >= 3 OR coalesce(threatened_people >= 500, false)
             OR coalesce(threatened_property_wan >= 5000, false))  AS is_major,
        CAST(year(coalesce(observed_at, inspection_date)) AS INTEGER) AS year,
        CASE
            WHEN observed_at IS NULL THEN NULL
            WHEN reported_at < observed_at THEN NULL
            ELSE (epoch(coalesce(reported_at, (SELECT built_at FROM build_context))) - epoch(observed_at)) / 3600.0
        END                                                     AS hours_to_report,
        CASE
            WHEN observed_at IS NULL THEN 'observed_at missing'
            WHEN reported_at < observed_at THEN 'reported_at is before observed_at: the record needs correcting'
            WHEN reported_at IS NULL THEN 'not reported (hours counted to the build)'
        END                                                     AS timing_problem
    FROM events
),
rules AS (
    -- the two hour limits, per year: the plan's target for that year, or
    -- the last one it set
    SELECT i.indicator_id, i.name_zh, y.year, t.text, t.comparator, t.value
    FROM stg_indicators i
    CROSS JOIN (SELECT DISTINCT year FROM classified) y
    JOIN stg_targets t ON t.indicator_id = i.indicator_id AND t.kind = 'target' AND t.year <= y.year
    WHERE i.plan_id = 'geohazard_2023' AND i.name_zh IN ('地质灾害发生后报告时限', '重大灾害险情报告时限')
    QUALIFY row_number() OVER (PARTITION BY i.indicator_id, y.year ORDER BY t.year DESC) = 1
)
SELECT
    c.event_id,
    c.site_id,
    c.department,
    c.inspection_date,
    c.inspector,
    c.finding,
    CASE WHEN c.is_disaster THEN 'disaster' WHEN c.finding = '发现险情' THEN 'danger'
         WHEN c.finding = '发现变形迹象' THEN 'deformation' ELSE 'warning' END AS event_kind,
    c.is_major,
    c.warning_rank,
    ['none', 'blue', 'yellow', 'orange', 'red'][c.warning_rank + 1]     AS warning_level,
    c.warning_level_zh,
    c.observed_at,
    c.reported_at,
    c.year,
    round(c.hours_to_report, 2)                                         AS hours_to_report,
    c.timing_problem,
    -- the 4-hour rule (disasters)
    d.indicator_id                                                      AS disaster_rule_id,
    d.text                                                              AS disaster_rule,
    CASE WHEN d.indicator_id IS NOT NULL
         THEN target_status(c.hours_to_report, d.comparator, d.value, NULL) END AS disaster_rule_status,
    -- the 2-hour rule (major dangers and disasters)
    m.indicator_id                                                      AS major_rule_id,
    m.text                                                              AS major_rule,
    CASE WHEN m.indicator_id IS NOT NULL
         THEN target_status(c.hours_to_report, m.comparator, m.value, NULL) END AS major_rule_status,
    c.remarks
FROM classified c
LEFT JOIN rules d ON c.is_disaster AND d.year = c.year AND d.name_zh = '地质灾害发生后报告时限'
LEFT JOIN rules m ON c.is_major AND m.year = c.year AND m.name_zh = '重大灾害险情报告时限'
