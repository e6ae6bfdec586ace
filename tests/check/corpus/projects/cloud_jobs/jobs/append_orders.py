# expect: none
"""An EMR step: spark-submit of this script from S3."""

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("orders").getOrCreate()
spark.read.parquet("s3://lake/orders/").write.mode("append").parquet("s3://lake/bronze/orders")
