-- 33号's prone zones with their printed figures typed; area, share and
-- density stay as printed even where they disagree (see notes).
SELECT zone_code, prone_level_zh, prone_level_en,
       CAST(area_km2 AS DOUBLE) AS area_km2,
       CAST(area_share_pct AS DOUBLE) AS area_share_pct,
       CAST(site_count AS INTEGER) AS site_count,
       CAST(subsidence_count AS INTEGER) AS subsidence_count,
       CAST(collapse_count AS INTEGER) AS collapse_count,
       TRY_CAST(density_per_100km2 AS DOUBLE) AS density_per_100km2,
       main_cause_zh, doc_no, notes
FROM seed_hazard_zones
