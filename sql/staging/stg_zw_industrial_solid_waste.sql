-- Monthly industrial solid waste per enterprise, every submission kept.
-- revision 1 is the latest: a corrected re-submission for the same month
-- and enterprise supersedes the earlier one, which stays queryable
-- (is_latest = false) so "as reported" and "as revised" can be compared.
SELECT
    *,
    row_number() OVER w AS revision,
    row_number() OVER w = 1 AS is_latest
FROM lake_zw_industrial_solid_waste
WINDOW w AS (PARTITION BY period, enterprise_code ORDER BY _submitted_at DESC, _ingested_at DESC, _checksum DESC)
