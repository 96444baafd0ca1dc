-- Data health: how fresh each data set is as of the build, one row per
-- data-set contract: the last submission and ingest, inputs and rows so
-- far, and the hours from the last ingest to the build. Stale is judged
-- against the contract's frequency (a monthly data set is stale after 31
-- days plus its due day, a daily one after 2 days, an hourly one after 6
-- hours): the dashboard colours on is_stale; the thresholds are waymark's
-- reading, no document sets them.
WITH inputs AS (
    SELECT dataset,
           max(submitted_at)  AS last_submitted_at,
           max(ingested_at)   AS last_ingested_at,
           count(*)           AS inputs,
           sum(rows_accepted) AS rows_accepted,
           sum(rows_rejected) AS rows_rejected
    FROM lake_inputs
    GROUP BY dataset
),
joined AS (
    SELECT c.dataset, c.title_zh, c.title_en, c.plan, c.frequency, c.due_day,
           i.last_submitted_at, i.last_ingested_at,
           coalesce(i.inputs, 0)        AS inputs,
           coalesce(i.rows_accepted, 0) AS rows_accepted,
           coalesce(i.rows_rejected, 0) AS rows_rejected,
           b.built_at,
           date_diff('hour', i.last_ingested_at, b.built_at) AS hours_since_ingest,
           CASE c.frequency
               WHEN 'hourly'  THEN 6
               WHEN 'daily'   THEN 48
               WHEN 'weekly'  THEN 24 * 9
               WHEN 'monthly' THEN 24 * (31 + coalesce(c.due_day, 0))
               WHEN 'quarterly' THEN 24 * (92 + coalesce(c.due_day, 0))
               ELSE 24 * 400
           END AS stale_after_hours
    FROM contracts c
    CROSS JOIN build_context b
    LEFT JOIN inputs i USING (dataset)
)
SELECT *,
       last_ingested_at IS NULL OR hours_since_ingest > stale_after_hours AS is_stale
FROM joined
