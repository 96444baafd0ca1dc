-- General industrial solid waste per enterprise and month (伊政办发〔2023〕31号),
-- every row ever accepted. 旗工信局's corrected file for a month replaces
-- its earlier file for that month whole.
SELECT * FROM supersede_by_submission('lake_zw_industrial_solid_waste', 'period')
