-- The supersede rules: which submitted row counts now. Every staging model
-- of a lake data set goes through one of these, so "latest revision" means
-- the same everywhere. Both keep every row ever accepted, numbered by
-- revision (1 = current) with is_latest, so "as reported" and "as revised"
-- can both be queried. Later wins: by _submitted_at, then _ingested_at, then
-- checksum and row number so that ties resolve the same way in every build.

-- supersede_by_key(tbl, keys): a later row replaces the earlier row with the
-- same key (ledgers, readings, activities). keys: the contract's key columns.
CREATE OR REPLACE MACRO supersede_by_key(tbl, keys) AS TABLE
SELECT *,
       row_number() OVER newest AS revision,
       row_number() OVER newest = 1 AS is_latest
FROM query_table(tbl)
WINDOW newest AS (
    PARTITION BY row(*COLUMNS(c -> list_contains(keys, c)))
    ORDER BY _submitted_at DESC, _ingested_at DESC, _checksum DESC, _row DESC
);

-- supersede_by_submission(tbl, period_col): a department's later file for a
-- month replaces its earlier file for that month whole, so rows the
-- correction dropped are no longer current (monthly reports).
CREATE OR REPLACE MACRO supersede_by_submission(tbl, period_col) AS TABLE
WITH src AS (
    SELECT *, date_trunc('month', COLUMNS(c -> c = period_col)) AS _period FROM query_table(tbl)
), files AS (
    SELECT department, _period, _checksum,
           max(_submitted_at) AS _submitted_at, max(_ingested_at) AS _ingested_at
    FROM src GROUP BY ALL
), ranked AS (
    SELECT department, _period, _checksum,
           row_number() OVER (PARTITION BY department, _period
                              ORDER BY _submitted_at DESC, _ingested_at DESC, _checksum DESC) AS revision
    FROM files
)
SELECT src.* EXCLUDE (_period), ranked.revision, ranked.revision = 1 AS is_latest
FROM src JOIN ranked USING (department, _period, _checksum);
