-- Departments' monthly indicator figures, every row ever accepted. A later
-- figure for the same month, department and indicator replaces the earlier
-- one; a department's files for different plans in one month (sent by
-- different offices) therefore never erase each other.
SELECT * FROM supersede_by_key('lake_indicator_reports', ['period', 'department', 'indicator_id'])
