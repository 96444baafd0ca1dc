-- 28号 "four kinds" of struggling above-scale industrial enterprises
-- (四类企业): one row per enterprise and month in the monthly statistics
-- (er_enterprise_monthly, latest revision), with each kind it falls in,
-- the exclusion that keeps it out, and whether it counts.
--
-- The kinds, as 伊政发〔2023〕28号 names them:
--   停产        stopped that month: production_status 停产 (半停产, half
--               stopped, is not stopped; it usually shows as low capacity use);
--   产能利用率低 capacity utilisation of the month below the threshold in
--               seeds/er_rules.csv (low_capacity_utilisation_pct: 28号 prints
--               none, the seed states the assumption);
--   亏损        loss-making: profit of the year to date below zero, the way the
--               statistics bureau counts 亏损企业 in its 1–N月 figures;
--   产值下降     output value of the year to date below the same months of
--               the year before (上年同期产值 as reported, else last year's
--               own monthly figure), judged only when every month to date
--               has its comparison figure.
-- Excluded (28号: 季节性停产、注销、破产或计划退库、涉法涉诉等问题企业除外):
-- a seasonal stoppage that month (production_status 季节性停产), and the
-- enterprises in seeds/er_enterprise_exclusions.csv for the dates given.
-- An enterprise in several kinds is one enterprise: is_four_kinds counts
-- it once, primary_kind names the first of its kinds in the order above.
WITH rules AS (
    SELECT CAST(value AS DOUBLE) AS low_capacity_pct
    FROM seed_er_rules WHERE rule_id = 'low_capacity_utilisation_pct'
),
reported AS (
    -- One row per enterprise and month; should two departments ever report
    -- the same enterprise, the later submission counts.
    SELECT period, enterprise_code, enterprise_name, industry, department, production_status,
           capacity_utilisation_pct, output_value_wan, output_value_prev_year_wan, profit_wan,
           _file, _row
    FROM stg_er_enterprise_monthly
    WHERE is_latest
    QUALIFY row_number() OVER (PARTITION BY period, enterprise_code ORDER BY _submitted_at DESC, _row DESC) = 1
),
with_prev AS (
    SELECT r.*,
           coalesce(r.output_value_prev_year_wan, ly.output_value_wan) AS output_prev_year_wan
    FROM reported r
    LEFT JOIN reported ly
      ON ly.enterprise_code = r.enterprise_code AND ly.period = r.period - INTERVAL 1 YEAR
),
ytd AS (
    SELECT *,
           sum(output_value_wan)     OVER w AS output_ytd_wan,
           sum(output_prev_year_wan) OVER w AS output_prev_ytd_wan,
           count(output_prev_year_wan) OVER w = count(*) OVER w AS prev_complete,
           sum(profit_wan)           OVER w AS profit_ytd_wan,
           count(profit_wan) OVER w = count(*) OVER w AS profit_complete
    FROM with_prev
    WINDOW w AS (PARTITION BY enterprise_code, year(period) ORDER BY period)
),
excluded AS (
    SELECT y.period, y.enterprise_code,
           string_agg(DISTINCT x.reason_zh, '、') AS reasons
    FROM ytd y
    JOIN seed_er_enterprise_exclusions x
      ON x.enterprise_code = y.enterprise_code
     AND CAST(x.effective_from AS DATE) <= last_day(y.period)
     AND (nullif(trim(x.effective_to), '') IS NULL OR CAST(x.effective_to AS DATE) >= y.period)
    GROUP BY ALL
),
kinds AS (
    SELECT y.*,
           y.production_status = '停产' AS is_stopped,
           y.capacity_utilisation_pct < r.low_capacity_pct AS is_low_capacity,
           CASE WHEN y.profit_complete THEN y.profit_ytd_wan < 0 END AS is_loss_making,
           CASE WHEN y.prev_complete THEN y.output_ytd_wan < y.output_prev_ytd_wan END AS is_output_down,
           CASE WHEN y.production_status = '季节性停产' THEN '季节性停产' ELSE e.reasons END AS excluded_reason
    FROM ytd y
    CROSS JOIN rules r
    LEFT JOIN excluded e USING (period, enterprise_code)
)
SELECT
    period,
    CAST(year(period) AS INTEGER) AS year,
    enterprise_code,
    enterprise_name,
    industry,
    department,
    production_status,
    capacity_utilisation_pct,
    output_value_wan,
    output_prev_year_wan,
    output_ytd_wan,
    output_prev_ytd_wan,
    profit_wan,
    profit_ytd_wan,
    coalesce(is_stopped, false)      AS is_stopped,
    coalesce(is_low_capacity, false) AS is_low_capacity,
    coalesce(is_loss_making, false)  AS is_loss_making,
    coalesce(is_output_down, false)  AS is_output_down,
    excluded_reason,
    excluded_reason IS NULL
        AND coalesce(is_stopped OR is_low_capacity OR is_loss_making OR is_output_down, false) AS is_four_kinds,
    CASE
        WHEN excluded_reason IS NOT NULL THEN NULL
        WHEN is_stopped THEN '停产'
        WHEN is_low_capacity THEN '产能利用率低'
        WHEN is_loss_making THEN '亏损'
        WHEN is_output_down THEN '产值下降'
    END AS primary_kind,
    nullif(concat_ws('、',
        CASE WHEN is_stopped THEN '停产' END,
        CASE WHEN is_low_capacity THEN '产能利用率低' END,
        CASE WHEN is_loss_making THEN '亏损' END,
        CASE WHEN is_output_down THEN '产值下降' END), '') AS kinds,
    _file,
    _row
FROM kinds
