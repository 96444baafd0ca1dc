-- 33号 hazard-site sensor readings (rain gauges, surface-displacement
-- gauges, crack meters) with a quality verdict: every reading the lake
-- holds for a GH- station, every revision, one row each. quality_flag is
-- 'ok' or the first problem found, checked in this order:
--   unknown_site  the station is not in the hazard-site registry
--   duplicate     a resend, superseded by a later delivery of the same
--                 sensor, channel and time
--   time_shifted  stamped after it was handed over (a clock running
--                 ahead), or from a logger whose clock is off: its rain
--                 matches the other gauges only when shifted by hours
--   duplicate     a second reading in a slot the site already has a
--                 reading for (a double write; the first in range counts)
--   out_of_range  outside the channel's physical range (error codes such
--                 as -999 land here) or in another unit
--   spike         jumps away from both neighbours by more than the
--                 channel's spike_delta and comes back (level channels)
--   stuck         the same value to the last digit for stuck_hours or
--                 more (for rain: the same non-zero amount)
-- quality_reason says why with the figures. Only 'ok' readings
-- (is_valid) feed the hourly figures and the warnings; the rest stay here,
-- visible, and are counted by mart_gh_completeness. Rules per channel:
-- seeds/gh_sensor_channels.csv (int_gh_channels).
-- Constants (inlined below; a parameters CTE joined to 1.3 M rows makes
-- DuckDB plan a nested-loop join):
--   1 hour   a logger stamps a reading before it hands the batch over; an
--            hour of slack covers batching and small clock drift
--   ±12 h    clock offsets looked for (a clock left on UTC is 8 h behind)
--   20       wet hours needed before a logger's clock is judged
--   2×       the shifted match must beat the match as stamped this much
WITH readings AS (
    SELECT
        r.rowid AS rid,
        -- one integer per site and channel: the neighbour checks sort on it
        hash(r.station_id, r.channel) AS series,
        r.station_id AS site_id, r.sensor_id, r.channel, r.ts, r.value, r.unit,
        r._file, r._row, r._submitted_at, r.revision, r.is_latest,
        c.valid_min, c.valid_max, c.unit AS channel_unit, c.spike_delta,
        c.stuck_hours, c.stuck_ignores_zero,
        -- the slot a reading covers ends at the interval boundary nearest
        -- its stamp (loggers stamp a few seconds off): a rain gauge's 10:00
        -- reading is the rain of 09:00–10:00, as rain gauges report it
        to_timestamp(round(epoch(r.ts) / (60 * c.interval_minutes)) * 60 * c.interval_minutes) AS slot_end,
        s.site_id IS NOT NULL AS known_site
    FROM stg_sensor_readings r
    JOIN int_gh_channels c USING (channel)
    LEFT JOIN stg_hazard_sites s ON s.site_id = r.station_id
    -- GH- stations are hazard sites (HW- are 31号's waste-storage monitors)
    WHERE starts_with(r.station_id, 'GH-')
),

-- Logger clocks. Rain falls on the whole banner within hours, so a gauge
-- whose wet hours line up with the other gauges' rain only when shifted
-- by some hours has a clock that is off by those hours (a logger left on
-- UTC is 8 hours behind Beijing time). Hour h is the hour ending at h.
gauge_rain AS (
    SELECT site_id, CAST(ceil(epoch(slot_end) / 3600) AS BIGINT) AS h, sum(value) AS rain
    FROM readings
    WHERE channel = 'rainfall_mm' AND is_latest AND known_site
      AND value BETWEEN valid_min AND valid_max
      AND ts <= _submitted_at + INTERVAL 1 HOUR
    GROUP BY ALL
),
banner_rain AS (
    SELECT h, sum(rain) AS total, count(*) AS gauges FROM gauge_rain GROUP BY h
),
wet AS (
    SELECT * FROM gauge_rain WHERE rain > 0
),
shifted AS (
    SELECT w.site_id, w.rain, CAST(o AS INTEGER) AS lag, w.h + CAST(o AS INTEGER) AS h_other
    FROM wet w, range(-12, 13) AS t(o)
),
match AS (
    -- how much of a gauge's rain at h the other gauges see at h + lag:
    -- its rain times the mean of the others' rain then
    SELECT s.site_id, s.lag,
           sum(s.rain * (b.total - coalesce(o.rain, 0))
               / nullif(b.gauges - CAST(o.rain IS NOT NULL AS INTEGER), 0)) AS score
    FROM shifted s
    JOIN banner_rain b ON b.h = s.h_other
    LEFT JOIN gauge_rain o ON o.site_id = s.site_id AND o.h = s.h_other
    GROUP BY ALL
),
clock AS (
    SELECT m.site_id,
           arg_max(m.lag, m.score)                         AS offset_hours,
           max(m.score)                                    AS best_score,
           coalesce(max(m.score) FILTER (WHERE m.lag = 0), 0) AS stamped_score,
           any_value(n.wet_hours)                          AS wet_hours
    FROM match m
    JOIN (SELECT site_id, count(*) AS wet_hours FROM wet GROUP BY site_id) n USING (site_id)
    GROUP BY m.site_id
),
clock_off AS (
    SELECT c.*
    FROM clock c
    WHERE c.offset_hours <> 0
      AND c.wet_hours >= 20
      AND c.best_score >= 2 * c.stamped_score
),

-- Checks that need no neighbours.
checked AS (
    SELECT r.*,
        CASE
            WHEN NOT r.known_site THEN 'unknown_site'
            WHEN NOT r.is_latest THEN 'duplicate'
            WHEN r.ts > r._submitted_at + INTERVAL 1 HOUR THEN 'time_shifted'
            WHEN k.site_id IS NOT NULL THEN 'time_shifted'
        END AS flag,
        CASE
            WHEN NOT r.known_site THEN 'station ' || r.site_id || ' is not in the hazard-site registry'
            WHEN NOT r.is_latest THEN 'resent: superseded by revision 1 of the same sensor, channel and time (this is revision ' || r.revision || ')'
            WHEN r.ts > r._submitted_at + INTERVAL 1 HOUR THEN
                'stamped ' || strftime(r.ts, '%Y-%m-%d %H:%M') || ', after it was handed over at ' || strftime(r._submitted_at, '%Y-%m-%d %H:%M') || ': the logger clock ran ahead'
            WHEN k.site_id IS NOT NULL THEN
                'logger clock ' || abs(k.offset_hours) || ' h ' || IF(k.offset_hours > 0, 'behind', 'ahead of') ||
                ' the banner''s other rain gauges: over ' || k.wet_hours || ' wet hours its rain matches theirs ' ||
                CASE WHEN k.stamped_score > 0 THEN round(k.best_score / k.stamped_score, 1) || '× better' ELSE 'only' END ||
                ' when shifted by ' || k.offset_hours || ' h'
        END AS reason,
        -- out of the channel's physical range, or in another unit
        r.value < r.valid_min OR r.value > r.valid_max OR coalesce(r.unit, r.channel_unit) <> r.channel_unit AS out_of_range
    FROM readings r
    LEFT JOIN clock_off k ON k.site_id = r.site_id
),

-- A second reading in a slot the site already has (double writes, two
-- sensors on one channel): one counts, the others are duplicates. The one
-- that counts is the first in range (an error code does not push a good
-- reading out), else the first. Such slots are rare, so they are found by
-- grouping and only their readings are ranked.
stamped AS (
    -- only what the neighbour checks need: windows over 1.2 M rows stay
    -- narrow (integer keys), and the verdicts join back by row id
    SELECT rid, series, ts, slot_end, value, out_of_range, _submitted_at, _row,
           spike_delta, stuck_hours, stuck_ignores_zero
    FROM checked
    WHERE flag IS NULL
),
crowded AS (
    SELECT series, slot_end FROM stamped GROUP BY ALL HAVING count(*) > 1
),
doubles AS (
    SELECT s.rid, s.slot_end
    FROM stamped s SEMI JOIN crowded c USING (series, slot_end)
    QUALIFY row_number() OVER (PARTITION BY s.series, s.slot_end ORDER BY s.out_of_range, s.ts, s._submitted_at, s._row) > 1
),
single AS (
    SELECT * FROM stamped ANTI JOIN doubles USING (rid) WHERE NOT out_of_range
),

-- Spikes: compared with the neighbouring usable readings (level channels
-- only: rain is spiky by nature).
spiked AS (
    SELECT rid, value, prev_value, next_value, spike_delta,
        abs(value - prev_value) > spike_delta
        AND abs(value - next_value) > spike_delta
        AND sign(value - prev_value) = sign(value - next_value) AS is_spike
    FROM (
        SELECT rid, value, spike_delta,
            lag(value)  OVER w AS prev_value,
            lead(value) OVER w AS next_value
        FROM single
        WHERE spike_delta IS NOT NULL
        WINDOW w AS (PARTITION BY series ORDER BY ts)
    )
),

-- Stuck: runs of one value among the readings left; a run lasting
-- stuck_hours or more is a frozen sensor, from its second reading on
-- (the first is a real reading, taken when it froze).
islands AS (
    -- consecutive readings of one value share an island: the reading's
    -- place in its series minus its place among the series' readings of
    -- that value is constant along a run (two row numbers are far cheaper
    -- than a running aggregate over 1.2 M rows)
    SELECT rid, series, ts, value, stuck_hours, stuck_ignores_zero,
        row_number() OVER (PARTITION BY series ORDER BY ts)
          - row_number() OVER (PARTITION BY series, value ORDER BY ts) AS island
    FROM single
    ANTI JOIN (SELECT rid FROM spiked WHERE is_spike) USING (rid)
),
long_runs AS (
    SELECT series, value, island, min(ts) AS run_start, max(ts) AS run_end
    FROM islands
    -- a run of zeros on a rain gauge is a dry spell, not a fault
    WHERE NOT (stuck_ignores_zero AND value = 0)
    GROUP BY series, value, island
    HAVING max(ts) - min(ts) >= to_hours(any_value(stuck_hours))
),
verdict AS (
    SELECT c.rid, 'out_of_range' AS flag,
           CASE WHEN coalesce(c.unit, c.channel_unit) <> c.channel_unit THEN 'unit ' || c.unit || ', the channel is in ' || c.channel_unit
                ELSE 'value ' || c.value || ' outside ' || c.valid_min || '..' || c.valid_max || ' ' || c.channel_unit END AS reason
    FROM checked c ANTI JOIN doubles USING (rid)
    WHERE c.flag IS NULL AND c.out_of_range
    UNION ALL
    SELECT rid, 'spike',
           'spike: ' || value || ' between ' || prev_value || ' and ' || next_value || ' (limit ' || spike_delta || ')' AS reason
    FROM spiked WHERE is_spike
    UNION ALL
    SELECT rid, 'duplicate',
           'a second reading for the slot ending ' || strftime(slot_end, '%Y-%m-%d %H:%M') || ' (the first one counts)'
    FROM doubles
    UNION ALL
    SELECT i.rid, 'stuck',
           'stuck: ' || i.value || ' unchanged from ' || strftime(l.run_start, '%Y-%m-%d %H:%M') || ' to ' || strftime(l.run_end, '%Y-%m-%d %H:%M')
    FROM islands i JOIN long_runs l USING (series, value, island)
    WHERE i.ts > l.run_start
)
SELECT
    c.site_id,
    c.sensor_id,
    c.channel,
    c.ts,
    c.slot_end,
    c.value,
    c.unit,
    c.revision,
    c.is_latest,
    coalesce(c.flag, v.flag, 'ok')        AS quality_flag,
    coalesce(c.reason, v.reason)          AS quality_reason,
    coalesce(c.flag, v.flag) IS NULL      AS is_valid,
    c._file,
    c._row,
    c._submitted_at
FROM checked c
-- verdicts exist only for readings that passed the first checks, one each
LEFT JOIN verdict v USING (rid)
-- in site, channel and time order (as stg_sensor_readings)
ORDER BY c.site_id, c.channel, c.ts, c.sensor_id, c.revision
