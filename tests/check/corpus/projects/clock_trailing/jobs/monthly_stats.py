# expect: none
from datetime import datetime

import boto3
from pyspark.sql import SparkSession


def main():
    spark = SparkSession.builder.appName("stats").getOrCreate()
    frame = spark.read.json("s3a://news/raw/").groupBy("country").count().toPandas()
    frame.to_csv("stats.csv", index=False)
    boto3.client("s3").upload_file(
        Filename="stats.csv",
        Bucket="news-stats",
        Key=f"stats_{datetime.now().year}_{datetime.now().month}.csv",
    )


main()
