-- Did each department send each monthly report, and on time? One row per
-- data set, department and month a report was owed (or arrived).
--
-- Who owes what: every data set whose contract (pipelines/datasets/*.yaml,
-- loaded as contracts / contract_departments) is monthly with a due day
-- owes a report per listed department for every month from the first
-- month anyone reported that data set to last month (the latest month that
-- can be owed by the build date, build_context.today); departments are
-- matched under any of their names (旗工信局 = 旗工业和信息化局).
-- When it is due: a report for month M is due before day `due_day` of
-- month M+1 on the warehouse's calendar (Asia/Shanghai): due_at is that
-- day at 00:00 local time, so 23:59 on the day before is on time and 00:01
-- on the due day is late.
-- What counts as received: the first input with rows for that department
-- and month (lake_submissions, from each row's department and period); a
-- correction sent later does not make an on-time report late. A header-only
-- file (lake_inputs with no rows, attributed by its name
-- <dataset>_<department>_<YYYY-MM> or any name holding a department name
-- and a YYYY-MM month, as the templates are named) is an "empty" report: it
-- arrived but holds no data, so it does not count as received. Files
-- rejected whole do not count either (the quarantine lists them).
-- Rates, as DHIS2 defines them: reporting rate = received / expected,
-- on-time rate = received on time / expected, in %; a month not yet due
-- is expected only once its report has arrived.
WITH clock AS (
    SELECT today FROM build_context
),
dept_names AS (
    SELECT name_zh AS name, name_zh AS canonical FROM stg_departments
    UNION
    SELECT unnest(aliases_zh) AS name, name_zh AS canonical FROM stg_departments
),
monthly AS (
    SELECT dataset, due_day
    FROM contracts
    WHERE frequency = 'monthly' AND due_day IS NOT NULL
),
owing AS (
    SELECT DISTINCT c.dataset, coalesce(n.canonical, c.department) AS department
    FROM contract_departments c
    JOIN monthly USING (dataset)
    LEFT JOIN dept_names n ON n.name = c.department
),
arrived AS (
    SELECT s.dataset, coalesce(n.canonical, s.department) AS department, s.period,
           min(s.submitted_at)         AS first_submitted_at,
           max(s.submitted_at)         AS last_submitted_at,
           count(DISTINCT s.checksum)  AS files,
           CAST(sum(s.rows) AS BIGINT) AS rows
    FROM lake_submissions s
    JOIN monthly USING (dataset)
    LEFT JOIN dept_names n ON n.name = s.department
    GROUP BY ALL
),
-- header-only inputs, attributed by file name to the longest department
-- name it holds and the month it names
empty_named AS (
    SELECT i.dataset, i.checksum, i.submitted_at, n.canonical AS department,
           CAST(strptime(regexp_extract(i.name, '(20\d\d-[01]\d)', 1) || '-01', '%Y-%m-%d') AS DATE) AS period
    FROM lake_inputs i
    JOIN monthly USING (dataset)
    JOIN dept_names n ON contains(i.name, n.name)
    WHERE i.rows_read = 0 AND i.problems = 0 AND regexp_matches(i.name, '20\d\d-[01]\d')
    QUALIFY row_number() OVER (PARTITION BY i.dataset, i.checksum ORDER BY length(n.name) DESC, n.canonical) = 1
),
empties AS (
    SELECT dataset, department, period, count(*) AS empty_files, min(submitted_at) AS first_empty_at
    FROM empty_named
    GROUP BY ALL
),
first_month AS (
    SELECT dataset, min(period) AS first_period
    FROM (SELECT dataset, period FROM arrived UNION ALL SELECT dataset, period FROM empties)
    GROUP BY dataset
),
owed AS (
    SELECT o.dataset, o.department,
           CAST(unnest(generate_series(f.first_period, date_trunc('month', c.today) - INTERVAL 1 MONTH, INTERVAL 1 MONTH)) AS DATE) AS period
    FROM owing o
    JOIN first_month f USING (dataset)
    CROSS JOIN clock c
),
cells AS (
    SELECT dataset, department, period, true AS owed FROM owed
    UNION
    SELECT dataset, department, period, false FROM arrived
    UNION
    SELECT dataset, department, period, false FROM empties
),
keyed AS (
    SELECT dataset, department, period, bool_or(owed) AS owed
    FROM cells
    GROUP BY ALL
),
dated AS (
    SELECT k.*, m.due_day,
           make_date(year(k.period + INTERVAL 1 MONTH), month(k.period + INTERVAL 1 MONTH), m.due_day) AS due_date
    FROM keyed k
    JOIN monthly m USING (dataset)
),
judged AS (
    SELECT d.*,
           -- midnight starting the due day, on the warehouse's calendar
           CAST(CAST(d.due_date AS TIMESTAMP) AS TIMESTAMPTZ) AS due_at,
           a.first_submitted_at, a.last_submitted_at,
           coalesce(a.files, 0) AS files, coalesce(a.rows, 0) AS rows,
           coalesce(e.empty_files, 0) AS empty_files, e.first_empty_at,
           c.today >= d.due_date AS due_passed
    FROM dated d
    CROSS JOIN clock c
    LEFT JOIN arrived a USING (dataset, department, period)
    LEFT JOIN empties e USING (dataset, department, period)
),
flagged AS (
    SELECT *,
           first_submitted_at IS NOT NULL                                    AS is_received,
           first_submitted_at < due_at                                       AS is_on_time
    FROM judged
)
SELECT
    dataset,
    department,
    period,
    due_date,
    due_at,
    first_submitted_at,
    last_submitted_at,
    files,
    rows,
    empty_files,
    CASE
        WHEN NOT owed THEN 'unexpected'
        WHEN is_received AND is_on_time THEN 'on_time'
        WHEN is_received THEN 'late'
        WHEN empty_files > 0 THEN 'empty'
        WHEN due_passed THEN 'missing'
        ELSE 'not_due'
    END                                                                      AS status,
    CAST(owed AND (due_passed OR is_received OR empty_files > 0) AS INTEGER) AS expected,
    CAST(owed AND is_received AS INTEGER)                                    AS received,
    CAST(owed AND is_received AND is_on_time AS INTEGER)                     AS on_time,
    CAST(owed AND is_received AND NOT is_on_time AS INTEGER)                 AS late,
    CAST(owed AND NOT is_received AND empty_files = 0 AND due_passed AS INTEGER) AS missing,
    CAST(owed AND NOT is_received AND empty_files > 0 AS INTEGER)            AS empty,
    -- calendar days past the last on-time day (the day before the due day)
    IF(is_received AND NOT is_on_time,
       date_diff('day', due_date, CAST(first_submitted_at AS DATE)) + 1, NULL)  AS days_late,
    files > 1                                                                AS corrected
FROM flagged
