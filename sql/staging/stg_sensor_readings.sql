-- Sensor readings from loggers, MQTT and HTTP: a reading resent for the
-- same sensor, channel and instant replaces the earlier one.
SELECT * FROM supersede_by_key('lake_sensor_readings', ['sensor_id', 'channel', 'ts'])
