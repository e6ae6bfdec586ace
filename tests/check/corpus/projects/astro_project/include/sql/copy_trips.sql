INSERT INTO taxi.trips SELECT gen_random_uuid(), * FROM taxi.trips_staging;
