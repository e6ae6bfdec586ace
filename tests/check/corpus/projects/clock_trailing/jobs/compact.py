# expect: none
import sys

from pyspark.sql import SparkSession

spark = SparkSession.builder.appName("compact").getOrCreate()
day = sys.argv[1]
spark.read.json(f"s3a://news/raw/{day}/").coalesce(1).write.mode("overwrite").json(
    f"s3a://news/compact/{day}/"
)
