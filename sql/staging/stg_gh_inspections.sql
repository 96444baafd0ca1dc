-- Hazard-site inspections and warnings: a later row for the same site,
-- day and inspector corrects the earlier one.
SELECT * FROM supersede_by_key('lake_gh_inspections', ['site_id', 'inspection_date', 'inspector'])
