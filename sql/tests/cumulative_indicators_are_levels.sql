-- A count whose targets are totals to date (cumulative, the 31号 table's
-- footnote) is reported as its running total, so a year's actual is the
-- latest month's figure: summing the months would count the same units
-- again and again.
SELECT indicator_id, aggregation, 'a cumulative indicator must aggregate by last (its running total), not sum its months' AS problem
FROM stg_indicators
WHERE cumulative AND aggregation <> 'last'
