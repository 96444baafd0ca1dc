-- Science-popularisation activities as departments log them: a later row
-- for an activity id is its correction.
SELECT * FROM supersede_by_key('lake_sl_activities', ['activity_id'])
