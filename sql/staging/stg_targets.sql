-- Baselines and targets, one row per indicator, kind and year, with the
-- original text and its parsed comparator and value.
SELECT
    t.indicator_id,
    t.kind,
    t.year,
    t.text,
    t.comparator,
    t.value,
    t.value_date
FROM targets t
