-- A scorecard row per indicator and year, never two.
SELECT indicator_id, year, count(*) AS n
FROM mart_scorecard GROUP BY ALL HAVING count(*) > 1
