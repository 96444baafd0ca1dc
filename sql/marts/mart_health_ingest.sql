-- Data health: every finished input (file, API page, message batch) of
-- every data set as its manifest in the lake records it, for the data-
-- health dashboard: when it was submitted and ingested, in which run, rows
-- read / accepted / rejected (rejected rows are quarantined with a reason
-- in the department's feedback workbook) and the input's status; the
-- departments whose rows it holds (lake_submissions), for a department's
-- dashboard. A file rejected whole holds no rows and so no department.
WITH depts AS (
    SELECT dataset, checksum, string_agg(DISTINCT department, '、' ORDER BY department) AS department
    FROM lake_submissions
    GROUP BY dataset, checksum
)
SELECT
    i.dataset,
    run_id,
    source,
    name                          AS file,
    d.department,
    bytes,
    submitted_at,
    ingested_at,
    CAST(date_trunc('month', ingested_at) AS DATE) AS ingest_month,
    rows_read,
    rows_accepted,
    rows_rejected,
    problems,
    status
FROM lake_inputs i
LEFT JOIN depts d USING (dataset, checksum)
