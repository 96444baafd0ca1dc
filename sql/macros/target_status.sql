-- The one evaluation of a target, used wherever status is computed.
-- actual: this period's value; comparator/target_value: the parsed target
-- (see the targets table); prev_actual: the previous period's value, for
-- the year-on-year comparators. Values are compared at 9 decimals so a
-- ratio computed as 59.99999999997 meets "≥60" the way a person reads it.
-- Returns 'met', 'not_met' or 'not_evaluable'. A milestone is scored as
-- "≥ 1" (done by its deadline) through score_comparator/score_target.
CREATE OR REPLACE MACRO target_status(actual, comparator, target_value, prev_actual) AS
CASE
    WHEN comparator IS NULL OR comparator IN ('none', 'milestone') THEN 'not_evaluable'
    WHEN actual IS NULL THEN 'not_evaluable'
    WHEN comparator IN ('=', '<=', '<', '>=', '>') AND target_value IS NULL THEN 'not_evaluable'
    WHEN comparator = '>=' THEN IF(round(actual, 9) >= round(target_value, 9), 'met', 'not_met')
    WHEN comparator = '>'  THEN IF(round(actual, 9) >  round(target_value, 9), 'met', 'not_met')
    WHEN comparator = '<=' THEN IF(round(actual, 9) <= round(target_value, 9), 'met', 'not_met')
    WHEN comparator = '<'  THEN IF(round(actual, 9) <  round(target_value, 9), 'met', 'not_met')
    WHEN comparator = '='  THEN IF(round(actual, 9) =  round(target_value, 9), 'met', 'not_met')
    WHEN prev_actual IS NULL THEN 'not_evaluable'
    WHEN comparator = 'negative_growth' THEN IF(round(actual, 9) < round(prev_actual, 9), 'met', 'not_met')
    WHEN comparator = 'increase_yoy' THEN IF(round(actual, 9) > round(prev_actual, 9), 'met', 'not_met')
    WHEN comparator = 'decrease_yoy' AND target_value IS NULL THEN IF(round(actual, 9) < round(prev_actual, 9), 'met', 'not_met')
    WHEN comparator = 'decrease_yoy' THEN
        IF(round(actual, 9) <= round(prev_actual * (1 - target_value / 100.0), 9), 'met', 'not_met')
    ELSE 'not_evaluable'
END;

-- Gap between an actual and a numeric target, signed so that a positive
-- gap is always "better than the target" whichever way the target points.
CREATE OR REPLACE MACRO target_gap(actual, comparator, target_value) AS
CASE
    WHEN actual IS NULL OR target_value IS NULL THEN NULL
    WHEN comparator IN ('>=', '>') THEN actual - target_value
    WHEN comparator IN ('<=', '<') THEN target_value - actual
    WHEN comparator = '=' THEN -abs(actual - target_value)
    ELSE NULL
END;
