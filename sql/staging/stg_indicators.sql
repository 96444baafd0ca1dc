-- Every indicator of every plan, typed. Figures stay as printed in the
-- *_text columns; parsed forms live in stg_targets.
SELECT
    indicator_id,
    plan_id,
    doc_no,
    CAST(seq AS INTEGER)                            AS seq,
    level1_zh,
    level2_zh,
    name_zh,
    name_en,
    coalesce(mark, '')                              AS mark,
    unit,
    coalesce(direction, 'none')                     AS direction,
    coalesce(cumulative = 'true', false)            AS cumulative,
    frequency,
    coalesce(aggregation, 'last')                   AS aggregation,
    CAST(baseline_year AS INTEGER)                  AS baseline_year,
    baseline                                        AS baseline_text,
    target_2023                                     AS target_2023_text,
    target_2024                                     AS target_2024_text,
    target_2025                                     AS target_2025_text,
    departments,
    list_filter(string_split(coalesce(departments, ''), '、'), d -> d <> '') AS department_list,
    lead_leader,
    lead_unit,
    source_text,
    notes
FROM seed_indicators
