DROP TABLE IF EXISTS models.rides_{{ ds_nodash }}_features;
CREATE TABLE models.rides_{{ ds_nodash }}_features AS SELECT * FROM taxi.trips;
INSERT INTO models.models_metadata SELECT '{{ ds }}'::date, 'rides_{{ ds_nodash }}_features';
