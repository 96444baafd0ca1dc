-- 33号 五: the key prevention period is read from the plan's text
-- ("5月1日至9月30日"); a change to that text must still give one period
-- with real dates, or every alert's key-period flag would be wrong.
SELECT 'key period' AS what, count(*) AS periods, 'expected exactly one key prevention period' AS problem
FROM int_gh_key_period HAVING count(*) <> 1
UNION ALL
SELECT text, 1, 'cannot read a period of real dates from: ' || coalesce(text, 'empty')
FROM int_gh_key_period
WHERE TRY_CAST(make_date(2023, from_month, from_day) AS DATE) IS NULL
   OR TRY_CAST(make_date(2023, to_month, to_day) AS DATE) IS NULL
   OR make_date(2023, from_month, from_day) > make_date(2023, to_month, to_day)
