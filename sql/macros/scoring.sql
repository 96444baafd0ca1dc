-- How a target is scored when its printed form is not a number. A
-- milestone ("建立协调机制", "纳入考核体系") is reported as 1 when it was done
-- by its deadline and 0 when not (int_milestones and the int_grain_<plan>
-- models follow this), so it is scored as "≥ 1"; every other target is
-- scored as parsed. target_status still makes the comparison.
CREATE OR REPLACE MACRO score_comparator(comparator) AS
    CASE WHEN comparator = 'milestone' THEN '>=' ELSE comparator END;

CREATE OR REPLACE MACRO score_target(comparator, target_value) AS
    CASE WHEN comparator = 'milestone' THEN 1.0 ELSE target_value END;
