-- 34号 citizen science-literacy survey (sl_survey_results, latest row per
-- year and group): one row per survey year with its sample and the rate.
--
-- literacy_rate_pct = 100 * sum(literate_count) / sum(sample_size) over the
-- groups surveyed: each group weighs by its sample, never by averaging the
-- groups' rates. A 全体公民 row that only totals the other groups (its
-- sample equals theirs summed) is left out of the sums so nobody is counted
-- twice; a 全体公民 row beside groups of another size is a group of its own.
-- reported_rate_pct keeps the rate the survey itself printed for 全体公民
-- (or its only row), to compare with the recomputed one.
WITH latest AS (
    SELECT * FROM stg_sl_survey_results WHERE is_latest
),
groups_total AS (
    SELECT survey_year, sum(sample_size) AS sample_size, sum(literate_count) AS literate_count
    FROM latest WHERE "group" <> '全体公民'
    GROUP BY survey_year
),
counted AS (
    SELECT l.*
    FROM latest l
    LEFT JOIN groups_total g USING (survey_year)
    WHERE NOT (l."group" = '全体公民' AND g.sample_size IS NOT NULL AND l.sample_size = g.sample_size)
)
SELECT
    CAST(c.survey_year AS INTEGER) AS survey_year,
    max(c.survey_date) AS survey_date,
    string_agg(DISTINCT c.department, '、') AS department,
    string_agg(c."group", '、' ORDER BY c."group") AS groups,
    count(*) AS group_count,
    sum(c.sample_size) AS sample_size,
    sum(c.literate_count) AS literate_count,
    100.0 * sum(c.literate_count) / nullif(sum(c.sample_size), 0) AS literacy_rate_pct,
    (SELECT any_value(l.literacy_rate_pct) FROM latest l
     WHERE l.survey_year = c.survey_year
       AND (l."group" = '全体公民' OR (SELECT count(*) FROM latest o WHERE o.survey_year = c.survey_year) = 1)) AS reported_rate_pct
FROM counted c
GROUP BY c.survey_year
