-- Sensor readings from loggers, MQTT and HTTP: a reading resent for the
-- same sensor, channel and instant replaces the earlier one.
-- Stored in station, channel and time order: a station's readings sit
-- together, so a query for one station skips the rest, and the table
-- takes a third of the room it took in the order the window left.
SELECT * FROM supersede_by_key('lake_sensor_readings', ['sensor_id', 'channel', 'ts'])
ORDER BY station_id, channel, ts, sensor_id, revision
