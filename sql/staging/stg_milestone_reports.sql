-- Departments' monthly reports on qualitative targets and 附件1 tasks
-- (done / in progress / not started, with date and evidence), every row
-- ever accepted. A department's corrected file for a month replaces its
-- earlier file for that month whole.
SELECT * FROM supersede_by_submission('lake_milestone_reports', 'period')
