# expect: none
TRIPS_CSV = "/media/ana/Data Disk/trips/2024.csv"
ARCHIVE_DIR = "/mnt/archive/trips"
