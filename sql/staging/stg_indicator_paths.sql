-- How every indicator gets its number (seeds/paths_<plan>.csv, all loaded
-- into seed_indicator_paths), typed and beside the indicator's names: the
-- path (computed, reported, milestone, reference_fact, uncomputable), the
-- lake data sets it reads, the formula in words, the grain, how a year's
-- actual is made from it, and the model that computes it.
-- One row per path row, kept as written: the data tests
-- (tests/indicator_paths_*.sql) hold the seed to one valid row per
-- indicator, so nothing is deduplicated or corrected here. A path row for
-- an id no plan has keeps a NULL plan_id, for the test to name it.
SELECT
    p.indicator_id,
    i.plan_id,
    i.doc_no,
    i.seq,
    i.name_zh,
    i.name_en,
    i.unit,
    i.cumulative,
    p.path,
    list_filter(list_transform(string_split(coalesce(p.datasets, ''), ';'), d -> trim(d)), d -> d <> '') AS datasets,
    p.formula,
    p.grain,
    p.year_aggregation,
    nullif(trim(p.model), '') AS model,
    p.notes
FROM seed_indicator_paths p
LEFT JOIN stg_indicators i USING (indicator_id)
