-- Working days in the official Chinese calendar: Monday to Friday, minus
-- the public holidays, plus the weekend days made working days (调休) by
-- the State Council General Office's yearly notice. Both come from
-- seeds/calendar_cn.csv (one row per holiday or make-up working day; the
-- data test calendar_cn_covers_2023_2025 checks its years). Outside the
-- years the seed covers, only weekends are known, so a date there counts
-- as a working day when it is Monday to Friday (extend the seed each
-- autumn, when the next year's notice is published).
--
-- DuckDB binds a macro's tables when the macro is created. A build loads
-- the seeds first; where they are not loaded (tests of other macros) an
-- empty calendar stands in, and the data test fails any build that lacks
-- the real one.
CREATE TABLE IF NOT EXISTS seed_calendar_cn (date VARCHAR, kind VARCHAR, name_zh VARCHAR, source VARCHAR);

-- true when d is a working day.
CREATE OR REPLACE MACRO is_working_day(d) AS coalesce(
    (SELECT any_value(c.kind) = 'workday' FROM seed_calendar_cn c WHERE CAST(c.date AS DATE) = CAST(d AS DATE)),
    isodow(CAST(d AS DATE)) <= 5
);

-- Working days after a, up to and including b: received on a Friday and
-- answered on the next Monday is 1 working day. Negative when b is before
-- a (a date typed in the wrong order stays visible instead of becoming 0).
CREATE OR REPLACE MACRO working_days_between_fwd(a, b) AS (
    -- Monday to Friday in (a, b]
    len(list_filter(generate_series(CAST(a AS DATE) + 1, CAST(b AS DATE), INTERVAL 1 DAY), lambda wd_day: isodow(wd_day) <= 5))
    -- minus the holidays that fall on those weekdays
    - (SELECT count(*) FROM seed_calendar_cn c
       WHERE c.kind = 'holiday' AND isodow(CAST(c.date AS DATE)) <= 5
         AND CAST(c.date AS DATE) > CAST(a AS DATE) AND CAST(c.date AS DATE) <= CAST(b AS DATE))
    -- plus the weekend days worked instead (调休)
    + (SELECT count(*) FROM seed_calendar_cn c
       WHERE c.kind = 'workday' AND isodow(CAST(c.date AS DATE)) > 5
         AND CAST(c.date AS DATE) > CAST(a AS DATE) AND CAST(c.date AS DATE) <= CAST(b AS DATE))
);

CREATE OR REPLACE MACRO working_days_between(a, b) AS
CASE
    WHEN a IS NULL OR b IS NULL THEN NULL
    WHEN CAST(b AS DATE) >= CAST(a AS DATE) THEN working_days_between_fwd(a, b)
    ELSE -working_days_between_fwd(b, a)
END;

-- The n-th working day after d ("within 5 working days" of receipt on d
-- means on or before add_working_days(d, 5)); d itself when n <= 0.
CREATE OR REPLACE MACRO add_working_days(d, n) AS
CASE
    WHEN d IS NULL OR n IS NULL THEN NULL
    WHEN n <= 0 THEN CAST(d AS DATE)
    ELSE (
        -- n working days never span more than 2n + 30 calendar days (the
        -- longest holiday is 8 days); take the first day reaching n.
        SELECT min(CAST(x AS DATE))
        FROM unnest(generate_series(CAST(d AS DATE) + 1, CAST(d AS DATE) + CAST(2 * n + 30 AS INTEGER), INTERVAL 1 DAY)) AS t(x)
        WHERE working_days_between_fwd(d, x) >= n
    )
END;

-- Calendar months elapsed from a to b as a decimal, so that "within 1
-- month" reads as elapsed_months(a, b) <= 1 exactly when b is on or before
-- a + 1 month (31 January + 1 month is 28 or 29 February): whole months k
-- with a + k months <= b, plus the part of the next month's step gone by.
CREATE OR REPLACE MACRO elapsed_months(a, b) AS (
    SELECT k + date_diff('day', CAST(a AS DATE) + to_months(k), CAST(b AS DATE))
             / date_diff('day', CAST(a AS DATE) + to_months(k), CAST(a AS DATE) + to_months(k + 1))
    FROM (
        SELECT CASE WHEN CAST(a AS DATE) + to_months(m) > CAST(b AS DATE) THEN m - 1 ELSE m END AS k
        FROM (SELECT CAST((year(CAST(b AS DATE)) - year(CAST(a AS DATE))) * 12
                          + month(CAST(b AS DATE)) - month(CAST(a AS DATE)) AS INTEGER) AS m)
    )
);
