-- Data health: every finished input (file, API page, message batch) of
-- every data set as its manifest in the lake records it, for the data-
-- health dashboard: when it was submitted and ingested, in which run, rows
-- read / accepted / rejected (rejected rows are quarantined with a reason
-- in the department's feedback workbook) and the input's status.
SELECT
    dataset,
    run_id,
    source,
    name                          AS file,
    bytes,
    submitted_at,
    ingested_at,
    CAST(date_trunc('month', ingested_at) AS DATE) AS ingest_month,
    rows_read,
    rows_accepted,
    rows_rejected,
    problems,
    status
FROM lake_inputs
