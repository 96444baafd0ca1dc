-- Every per-period and per-case actual of every plan, one row per
-- indicator and period or case (see the int_grain_<plan> models).
SELECT * FROM int_grain_zero_waste
UNION ALL BY NAME SELECT * FROM int_grain_enterprise_relief
UNION ALL BY NAME SELECT * FROM int_grain_science_literacy
UNION ALL BY NAME SELECT * FROM int_grain_geohazard
