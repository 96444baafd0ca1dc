-- The leaders' scorecard: one row per indicator and target year, with the
-- baseline and target as printed, the latest actual of that year, the gap,
-- the status from the one evaluation (target_status), progress against
-- the planned line and the 三色 light from the one rule (traffic_light).
--
-- Choices, stated once here and in sql/README.md:
--  * actual: the year's value as known at the latest month reported in the
--    target year (int_indicator_actuals). For indicators whose target holds
--    per period or per case (int_grain_rollup) the yearly actual is the
--    share of periods/cases met, in %, and the year is met when every one
--    is (≥ 100 %); actual_unit says which.
--  * year-on-year targets compare with the previous year's value at the
--    same point of the year (同比: its latest month not after this year's
--    as-of month), or with the baseline when it is the previous year's.
--  * progress_pct: how far the actual has come from the baseline toward
--    the target, 100 * (actual - baseline) / (target - baseline), for
--    numeric targets with a numeric baseline; for a flow (a sum that
--    restarts each year) 100 * actual / target, the year starting at 0
--    (none for a flow under a ceiling, "≤ X a year").
--  * expected_pct: where the straight line from the baseline (at the end of
--    the baseline year) to the target (at the end of the target year)
--    stands at the end of the as-of month; for a flow, the share of the
--    year's months reported (as-of month / 12).
--  * deadline: the end of the target year; judged against the build's date
--    (build_context.today).
--  * lead department: the lead unit printed, else the first department
--    listed; lead leader: the banner leader whose effective-dated
--    responsibilities (stg_responsibilities) cover that department on the
--    as-of date (else the build date, capped at the deadline): duties set
--    by the indicator's own document or standing duties (a document that is
--    no plan, such as 38号), preferring its own document, then the latest;
--    else the leader printed.
--  * path: from seeds/paths_<plan>.csv (seed_indicator_paths); reference
--    facts and uncomputable indicators get no light.
WITH clock AS (
    SELECT today FROM build_context
),
-- the latest month any actual is known for: a target year after it is
-- not late in reporting, it has not begun in the data
data_end AS (
    SELECT max(period) AS last_period FROM int_indicator_actuals
),
ind AS (
    SELECT *,
           CASE WHEN aggregation = 'sum' AND NOT cumulative THEN 'flow' ELSE 'level' END AS kind
    FROM stg_indicators
),
latest AS (
    SELECT * FROM int_indicator_actuals
    QUALIFY row_number() OVER (PARTITION BY indicator_id, year ORDER BY period DESC) = 1
),
base AS (
    SELECT indicator_id, year AS baseline_year, text AS baseline_text, value AS baseline
    FROM stg_targets WHERE kind = 'baseline'
),
same_point_last_year AS (
    SELECT l.indicator_id, l.year, arg_max(p.actual, p.period) AS prev_actual
    FROM latest l
    JOIN int_indicator_actuals p
      ON p.indicator_id = l.indicator_id AND p.year = l.year - 1 AND month(p.period) <= month(l.period)
    GROUP BY l.indicator_id, l.year
),
paths AS (
    SELECT trim(indicator_id) AS indicator_id, any_value(trim(path)) AS path, any_value(model) AS path_model,
           any_value(datasets) AS path_datasets, any_value(notes) AS path_notes
    FROM seed_indicator_paths
    GROUP BY ALL
),
dept_names AS (
    SELECT name_zh AS name, name_zh AS canonical FROM stg_departments
    UNION
    SELECT unnest(aliases_zh) AS name, name_zh AS canonical FROM stg_departments
),
lead_printed AS (
    SELECT indicator_id,
           trim(coalesce(string_split(lead_unit, '、')[1], department_list[1])) AS printed
    FROM ind
),
lead AS (
    SELECT l.indicator_id, coalesce(n.canonical, l.printed) AS lead_department
    FROM lead_printed l
    LEFT JOIN dept_names n ON n.name = l.printed
),
duty_units AS (
    SELECT leader_id, name_zh AS leader, area_zh, doc_no, effective_from, effective_to, unnest(units) AS unit
    FROM stg_responsibilities
),
duties AS (
    SELECT d.* EXCLUDE (unit), coalesce(n.canonical, d.unit) AS unit
    FROM duty_units d
    LEFT JOIN dept_names n ON n.name = d.unit
),
joined AS (
    SELECT
        i.indicator_id, i.plan_id, i.doc_no, i.seq, i.name_zh, i.name_en, i.mark, i.unit, i.direction,
        i.departments, i.kind, i.lead_leader AS printed_leader,
        b.baseline_year, b.baseline_text, b.baseline,
        t.year, t.text AS target_text, t.comparator, t.value AS target,
        l.period AS actual_period, l.actual AS yearly_actual, l.source, l.reporters,
        coalesce(sp.prev_actual, IF(b.baseline_year = t.year - 1, b.baseline, NULL)) AS prev_actual,
        g.grain, g.periods AS grain_periods, g.met AS grain_met, g.not_met AS grain_not_met,
        g.share_met, g.last_period AS grain_last_period, g.failed AS grain_failed,
        make_date(t.year, 12, 31) AS deadline,
        c.today,
        p.path, p.path_model, p.path_datasets, p.path_notes,
        ld.lead_department
    FROM ind i
    JOIN stg_targets t ON t.indicator_id = i.indicator_id AND t.kind = 'target'
    CROSS JOIN clock c
    LEFT JOIN base b ON b.indicator_id = i.indicator_id
    LEFT JOIN latest l ON l.indicator_id = i.indicator_id AND l.year = t.year
    LEFT JOIN same_point_last_year sp ON sp.indicator_id = i.indicator_id AND sp.year = t.year
    LEFT JOIN int_grain_rollup g ON g.indicator_id = i.indicator_id AND g.year = t.year AND g.periods > 0
    LEFT JOIN paths p ON p.indicator_id = i.indicator_id
    LEFT JOIN lead ld ON ld.indicator_id = i.indicator_id
),
evaluated AS (
    SELECT *,
           grain IS NOT NULL                                                   AS per_period,
           IF(grain IS NOT NULL, share_met, yearly_actual)                     AS actual,
           IF(grain IS NOT NULL, CAST(date_trunc('month', grain_last_period) AS DATE), actual_period) AS as_of_period,
           -- A sentence target on a computed or reported figure (zw-41's
           -- "按实际建设项目需求确定投资额") is shown, not scored: only a
           -- milestone's 1/0 actual is scored against "≥ 1", whatever its
           -- target prints (a sentence, 28号's "2023年底前" date, 33号's
           -- "24小时值班").
           CASE WHEN grain IS NOT NULL THEN '>='
                WHEN path = 'milestone' AND comparator <> 'none' THEN '>='
                WHEN comparator = 'milestone' AND coalesce(path, 'milestone') <> 'milestone' THEN 'none'
                ELSE score_comparator(comparator) END                          AS scored_comparator,
           CASE WHEN grain IS NOT NULL THEN 100.0
                WHEN path = 'milestone' AND comparator <> 'none' THEN 1.0
                ELSE score_target(comparator, target) END                      AS scored_target
    FROM joined
),
judged AS (
    SELECT *,
           target_status(actual, scored_comparator, scored_target, IF(per_period, NULL, prev_actual)) AS status,
           target_gap(actual, scored_comparator, scored_target)                                       AS gap,
           CASE
               WHEN per_period THEN share_met
               WHEN coalesce(comparator, '') NOT IN ('=', '<=', '<', '>=', '>') OR target IS NULL OR actual IS NULL THEN NULL
               -- a flow under a ceiling has no way "toward" its target
               WHEN kind = 'flow' AND comparator IN ('<', '<=') THEN NULL
               WHEN kind = 'flow' THEN 100.0 * actual / nullif(target, 0)
               WHEN baseline IS NULL OR baseline_year IS NULL OR baseline_year >= year THEN NULL
               ELSE 100.0 * (actual - baseline) / nullif(target - baseline, 0)
           END AS progress_pct,
           CASE
               WHEN per_period THEN 100.0
               -- a line only where progress can be measured along it
               WHEN coalesce(comparator, '') NOT IN ('=', '<=', '<', '>=', '>') OR target IS NULL OR as_of_period IS NULL THEN NULL
               WHEN kind = 'flow' THEN 100.0 * month(as_of_period) / 12
               WHEN baseline IS NULL OR baseline_year IS NULL OR baseline_year >= year THEN NULL
               ELSE 100.0 * least(greatest(
                        date_diff('day', make_date(baseline_year, 12, 31), last_day(as_of_period))
                        / date_diff('day', make_date(baseline_year, 12, 31), deadline), 0), 1)
           END AS expected_pct,
           today > deadline AS deadline_passed,
           -- the date responsibilities are read at
           coalesce(last_day(as_of_period), least(today, deadline)) AS judged_at
    FROM evaluated
),
leaders AS (
    SELECT j.indicator_id, j.year, d.leader, d.area_zh AS leader_area
    FROM judged j
    JOIN duties d
      ON d.unit = j.lead_department
     AND j.judged_at BETWEEN d.effective_from AND coalesce(d.effective_to, DATE '9999-12-31')
     -- a duty set by another plan (a special action of 28号) says nothing
     -- about this plan's indicators; standing duties (38号) apply to all
     AND (d.doc_no = j.doc_no OR d.doc_no NOT IN (SELECT doc_no FROM stg_plans))
    -- a record from the indicator's own document first, then the latest
    QUALIFY row_number() OVER (PARTITION BY j.indicator_id, j.year
                               ORDER BY d.doc_no = j.doc_no DESC, d.effective_from DESC, d.leader_id) = 1
),
lined AS (
    -- expected progress only where progress is measured along the same line
    SELECT * REPLACE (IF(progress_pct IS NULL, NULL, expected_pct) AS expected_pct)
    FROM judged
),
lit AS (
    SELECT j.*,
           j.comparator = 'none' AND trim(coalesce(j.target_text, '')) IN ('', '—', '-', '/', '无') AS no_target,
           traffic_light(IF(j.path IN ('reference_fact', 'uncomputable'), NULL, j.status),
                         j.progress_pct, j.expected_pct, j.deadline_passed) AS tl
    FROM lined j
)
SELECT
    j.indicator_id,
    j.plan_id,
    j.doc_no,
    j.seq,
    j.name_zh,
    j.name_en,
    j.mark,
    j.unit,
    j.direction,
    j.departments,
    j.baseline_year,
    j.baseline_text,
    j.baseline,
    j.year,
    j.target_text,
    j.comparator,
    j.target,
    j.as_of_period,
    j.actual,
    j.prev_actual,
    j.gap,
    j.status,
    j.tl.light                                                AS light,
    CASE j.tl.light WHEN 'green' THEN '绿' WHEN 'yellow' THEN '黄' WHEN 'red' THEN '红' END AS light_zh,
    j.tl.reason                                               AS light_reason,
    j.progress_pct,
    j.expected_pct,
    j.deadline,
    j.deadline_passed,
    j.today                                                   AS judged_on,
    IF(j.per_period, '%', j.unit)                             AS actual_unit,
    CASE WHEN j.per_period THEN 'share_of_periods' WHEN j.yearly_actual IS NOT NULL THEN 'yearly_actual' END AS evaluated_as,
    j.grain,
    j.grain_periods,
    j.grain_met,
    j.grain_not_met,
    j.grain_failed,
    j.path,
    -- what the share of scored rows is measured on: a path that yields a
    -- number or a state, and a target printed for the year
    coalesce(j.path, '') NOT IN ('reference_fact', 'uncomputable') AND NOT j.no_target AS trackable,
    j.path_model,
    j.source,
    j.reporters,
    j.lead_department,
    coalesce(ls.leader, j.printed_leader)                     AS lead_leader,
    ls.leader_area                                            AS lead_leader_area,
    fm.forecast,
    fm.forecast_low,
    fm.forecast_high,
    target_status(fm.forecast, j.scored_comparator, j.scored_target, j.prev_actual) AS forecast_status,
    CASE
        WHEN fm.indicator_id IS NOT NULL THEN f.method
    END                                                       AS forecast_method,
    CASE
        WHEN fm.indicator_id IS NOT NULL THEN NULL
        WHEN j.per_period THEN 'per-period target: judged by the share of periods met'
        WHEN f.refused IS NOT NULL THEN f.refused
        ELSE 'no forecast for ' || j.year || ': the year is reported to December or lies before the last actual'
    END                                                       AS forecast_reason,
    CASE
        WHEN j.actual IS NOT NULL THEN NULL
        WHEN j.path = 'uncomputable' THEN 'uncomputable: ' || coalesce(j.path_notes, 'no reason given in the paths seed')
        WHEN j.path = 'reference_fact' THEN 'reference fact: checked against the registry and observations, not scored'
        -- the table prints no target for this year (zw-38's "—" after 2023)
        WHEN j.no_target THEN 'no target printed for ' || j.year || ' (' || coalesce(j.target_text, '') || ')'
        WHEN j.path = 'milestone' THEN 'milestone: no state reported for ' || j.year || not_yet
        WHEN j.path = 'computed' THEN 'computed from ' || coalesce(j.path_datasets, 'records') || ': no data for ' || j.year || not_yet
        WHEN j.path = 'reported' THEN 'reported by ' || coalesce(j.lead_department, 'the responsible department') || ': no report for ' || j.year || not_yet
        WHEN j.path IS NULL THEN 'no path declared in seeds/paths_' || j.plan_id || '.csv'
        ELSE j.path || ': no actual for ' || j.year
    END                                                       AS no_actual_reason
FROM (
    SELECT l.*,
           CASE WHEN l.year > year(d.last_period) THEN ' yet (the data so far ends in ' || strftime(d.last_period, '%Y-%m') || ')' ELSE '' END AS not_yet
    FROM lit l CROSS JOIN data_end d
) j
LEFT JOIN leaders ls ON ls.indicator_id = j.indicator_id AND ls.year = j.year
LEFT JOIN int_indicator_forecast f ON f.indicator_id = j.indicator_id
LEFT JOIN int_forecast_monthly fm ON fm.indicator_id = j.indicator_id AND fm.period = make_date(j.year, 12, 1)
