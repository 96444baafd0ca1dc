-- The 68-site registry: the stations sensors report from.
SELECT site_id, name_zh, type, type_zh, scale, scale_zh, zone_code, town_zh,
       CAST(longitude AS DOUBLE) AS longitude, CAST(latitude AS DOUBLE) AS latitude,
       TRY_CAST(threatened_people AS INTEGER) AS threatened_people,
       TRY_CAST(threatened_property_wan AS DOUBLE) AS threatened_property_wan,
       synthetic = 'true' AS synthetic, doc_no, notes
FROM seed_hazard_sites
