-- Every computed actual, one row per indicator and month (year to date).
-- Each plan's actuals model adds its rows here.
SELECT indicator_id, year, period, actual, actual_month, reporters FROM int_actuals_zero_waste
