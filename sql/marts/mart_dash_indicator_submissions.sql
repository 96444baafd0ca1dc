-- The submissions behind each indicator, for the indicator-detail
-- dashboard: every input (file, API page, message batch) of a data set an
-- indicator's number is computed from (seeds/paths_<plan>.csv, datasets)
-- per department and month, with when it was submitted. Department
-- reports (indicator_reports) name the indicator on each row, so for them
-- only the inputs that carry that indicator count. All inputs are listed,
-- superseded ones included: a revision is a submission too.
WITH paths AS (
    SELECT DISTINCT indicator_id, trim(d.dataset) AS dataset
    FROM stg_indicator_paths,
         unnest(datasets) AS d(dataset)
    WHERE trim(d.dataset) NOT IN ('', 'indicator_reports')
),
from_records AS (
    SELECT p.indicator_id, s.dataset, s.file, s.department, s.period, s.submitted_at, s.rows
    FROM paths p
    JOIN lake_submissions s USING (dataset)
),
from_reports AS (
    SELECT indicator_id,
           'indicator_reports'                            AS dataset,
           any_value(_file)                               AS file,
           department,
           CAST(date_trunc('month', period) AS DATE)      AS period,
           min(_submitted_at)                             AS submitted_at,
           count(*)                                       AS rows
    FROM lake_indicator_reports
    GROUP BY indicator_id, _checksum, department, CAST(date_trunc('month', period) AS DATE)
)
SELECT indicator_id, dataset, file, department, period, submitted_at, rows FROM from_records
UNION ALL
SELECT indicator_id, dataset, file, department, period, submitted_at, rows FROM from_reports
