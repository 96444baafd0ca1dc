-- The enterprise problem ledger: each quarterly ledger repeats open
-- problems, so a later row for a problem is its update.
SELECT * FROM supersede_by_key('lake_er_problem_ledger', ['problem_id'])
