# expect: none
"""Submitted to Dataproc: rebuilds the device table from the whole source each run."""

from pyspark.sql import SparkSession
from pyspark.sql.functions import col, date_format

spark = SparkSession.builder.appName("devices").getOrCreate()
frame = spark.read.json("gs://lake/devices/")
frame = frame.withColumn("Month", date_format(col("seen_at"), "MM"))
frame.write.mode("overwrite").parquet("gs://lake/curated/devices/")
