# expect: none
"""Submitted to Dataproc: appends every event file to the warehouse table."""

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("events").getOrCreate()
frame = spark.read.json("gs://lake/events/")
frame.write.format("bigquery").option("table", "warehouse.events").mode("append").save()
