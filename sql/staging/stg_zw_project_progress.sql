-- The zero-waste projects' monthly progress (附件2), every row ever
-- accepted. 旗发改委's corrected file for a month replaces its earlier file
-- for that month whole.
SELECT * FROM supersede_by_submission('lake_zw_project_progress', 'period')
