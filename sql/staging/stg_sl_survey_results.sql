-- The yearly citizen science-literacy survey: a later row for a year and
-- group is its correction.
SELECT * FROM supersede_by_key('lake_sl_survey_results', ['survey_year', 'group'])
