-- Departments' monthly indicator figures, every row ever accepted. A
-- department's corrected file for a month replaces its earlier file for
-- that month whole: a figure the correction leaves out is no longer current.
SELECT * FROM supersede_by_submission('lake_indicator_reports', 'period')
