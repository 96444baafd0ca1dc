-- The 三色 light (traffic light) of a scorecard row: the one place the rule
-- lives. It never compares an actual with a target itself: `status` comes
-- from target_status (met / not_met / not_evaluable).
--
--   green   on track: the target is met as of the latest report; or, before
--           the deadline, progress is at least what the straight line from
--           the baseline (its year-end) to the target (the target year's
--           end) expects at the as-of date;
--   yellow  behind: before the deadline, not met and behind the line by at
--           most 20 percentage points of the way from baseline to target;
--           or not met yet with no line to judge by (no numeric baseline, a
--           year-on-year or milestone target);
--   red     off track: before the deadline, behind the line by more than 20
--           points, or further from the target than the baseline was
--           (progress below 0); or deadline missed: the deadline has passed
--           and the target is not met;
--   NULL    nothing to judge: no actual, not evaluable, or a figure that is
--           not scored (status passed as NULL: a reference fact, or an
--           indicator whose path is uncomputable).
--
-- progress_pct and expected_pct are in % of the way from baseline to
-- target (mart_scorecard says how each is computed; for per-period
-- indicators progress is the share of periods met and 100 is expected).
-- They are compared at 6 decimals so 79.9999999 reads as 80.
-- Returns {light, reason}: use traffic_light(...).light.
CREATE OR REPLACE MACRO traffic_light(status, progress_pct, expected_pct, deadline_passed) AS
CASE
    WHEN status = 'met' THEN
        {'light': 'green', 'reason': 'target met'}
    WHEN status IS NULL THEN
        {'light': NULL, 'reason': 'not scored'}
    WHEN status <> 'not_met' THEN
        {'light': NULL, 'reason': 'nothing to judge: no actual, or the target cannot be evaluated'}
    WHEN deadline_passed THEN
        {'light': 'red', 'reason': 'deadline missed: not met by the deadline'}
    WHEN progress_pct IS NULL OR expected_pct IS NULL THEN
        {'light': 'yellow', 'reason': 'not met yet; no baseline-to-target line to judge progress by'}
    WHEN round(progress_pct, 6) < 0 THEN
        {'light': 'red', 'reason': 'off track: further from the target than the baseline'}
    WHEN round(progress_pct, 6) >= round(expected_pct, 6) THEN
        {'light': 'green', 'reason': printf('on track: %.1f%% of the way, %.1f%% expected by now', progress_pct, expected_pct)}
    WHEN round(progress_pct, 6) >= round(expected_pct - 20, 6) THEN
        {'light': 'yellow', 'reason': printf('behind: %.1f%% of the way, %.1f%% expected by now', progress_pct, expected_pct)}
    ELSE
        {'light': 'red', 'reason': printf('off track: %.1f%% of the way, %.1f%% expected by now', progress_pct, expected_pct)}
END;
