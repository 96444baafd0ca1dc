-- Large industrial enterprises' monthly figures (伊政发〔2023〕28号), every
-- row ever accepted. 旗工信局's corrected file for a month replaces its
-- earlier file for that month whole.
SELECT * FROM supersede_by_submission('lake_er_enterprise_monthly', 'period')
