-- Reporting and on-time rates (DHIS2's definitions) rolled up from
-- mart_reporting_timeliness at three levels, named in `level`:
--   dataset_month       a data set, one month, all departments;
--   department_year     a data set, one department, one year;
--   dataset_year        a data set, one year, all departments.
-- reporting_rate = received / expected, on_time_rate = received on time /
-- expected, in % (NULL when nothing was expected); a month not yet due is
-- expected only once its report has arrived; "unexpected" reports (from a
-- department the contract does not list) are not counted.
WITH t AS (
    SELECT *, CAST(year(period) AS INTEGER) AS year
    FROM mart_reporting_timeliness
    WHERE status <> 'unexpected'
)
SELECT
    CASE
        WHEN GROUPING(period) = 0 THEN 'dataset_month'
        WHEN GROUPING(department) = 0 THEN 'department_year'
        ELSE 'dataset_year'
    END                                                     AS level,
    dataset,
    department,
    year,
    period,
    CAST(sum(expected) AS BIGINT)                                           AS expected,
    CAST(sum(received) AS BIGINT)                                           AS received,
    CAST(sum(on_time) AS BIGINT)                                            AS on_time,
    CAST(sum(late) AS BIGINT)                                               AS late,
    CAST(sum(missing) AS BIGINT)                                            AS missing,
    CAST(sum(empty) AS BIGINT)                                              AS empty,
    100.0 * sum(received) / nullif(sum(expected), 0)        AS reporting_rate,
    100.0 * sum(on_time) / nullif(sum(expected), 0)         AS on_time_rate,
    avg(days_late)                                          AS mean_days_late,
    max(days_late)                                          AS max_days_late
FROM t
GROUP BY GROUPING SETS ((dataset, year, period), (dataset, department, year), (dataset, year))
