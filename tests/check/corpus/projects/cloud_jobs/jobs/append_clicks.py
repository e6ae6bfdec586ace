# expect: none
"""Run by spark-submit from a folder an environment variable names."""

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("clicks").getOrCreate()
spark.read.csv("data/raw/clicks.csv", header=True).write.mode("append").parquet("data/bronze")
