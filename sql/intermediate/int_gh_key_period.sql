-- 33号 五: the key prevention period (重点防范期), read from the plan's
-- own wording ("5月1日至9月30日", indicator 地质灾害重点防范期) rather than
-- typed in twice: one row with its first and last month and day, applied
-- to any year (the plan is for 2023; later years keep the same season
-- until a new plan says otherwise).
WITH src AS (
    SELECT indicator_id, target_2023_text AS text,
           regexp_extract(target_2023_text, '(\d+)月(\d+)日至(\d+)月(\d+)日',
                          ['from_month', 'from_day', 'to_month', 'to_day']) AS p
    FROM stg_indicators
    WHERE plan_id = 'geohazard_2023' AND name_zh = '地质灾害重点防范期'
)
SELECT
    indicator_id,
    text,
    CAST(nullif(p.from_month, '') AS INTEGER) AS from_month,
    CAST(nullif(p.from_day, '') AS INTEGER)   AS from_day,
    CAST(nullif(p.to_month, '') AS INTEGER)   AS to_month,
    CAST(nullif(p.to_day, '') AS INTEGER)     AS to_day
FROM src
