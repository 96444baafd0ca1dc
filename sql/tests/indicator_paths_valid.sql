-- Every row of seeds/paths_<plan>.csv gives its indicator one of the five
-- paths, and an uncomputable indicator says why.
SELECT indicator_id, path, 'path must be computed, reported, milestone, reference_fact or uncomputable' AS problem
FROM stg_indicator_paths
WHERE path IS NULL OR path NOT IN ('computed', 'reported', 'milestone', 'reference_fact', 'uncomputable')
UNION ALL
SELECT indicator_id, path, 'an uncomputable indicator must say why in notes'
FROM stg_indicator_paths
WHERE path = 'uncomputable' AND coalesce(trim(notes), '') = ''
