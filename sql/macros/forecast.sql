-- The 97.5 % quantile of Student's t distribution with df degrees of
-- freedom: a two-sided 95 % prediction interval is forecast ± t975(n - 2)
-- × its standard error (int_indicator_forecast). The usual table to 3
-- decimals for df 1..30; beyond, the value at the lower end of the band
-- (t at 30, 40, 60, 120 degrees), which errs on the wide side. NULL for
-- df < 1, where no interval exists.
CREATE OR REPLACE MACRO t975(df) AS
CASE
    WHEN df IS NULL OR df < 1 THEN NULL
    WHEN df <= 30 THEN [12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
                        2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
                        2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042][CAST(df AS INTEGER)]
    WHEN df <= 40 THEN 2.042
    WHEN df <= 60 THEN 2.021
    WHEN df <= 120 THEN 2.000
    ELSE 1.980
END;
