-- Data health: the warehouse builds the scorecard history remembers, one
-- row per build: when, how many indicator-years it judged and how many of
-- them were green / yellow / red. The current build is the latest row.
SELECT
    built_at,
    count(*)                                   AS indicator_years,
    count(*) FILTER (WHERE light = 'green')    AS green,
    count(*) FILTER (WHERE light = 'yellow')   AS yellow,
    count(*) FILTER (WHERE light = 'red')      AS red,
    count(*) FILTER (WHERE status = 'met')     AS met
FROM mart_scorecard_history
GROUP BY built_at
