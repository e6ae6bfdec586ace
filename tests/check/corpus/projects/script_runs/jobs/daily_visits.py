# expect: TP005@7
"""spark-submit'ed with the day; appends the day's visits through the shared helper."""

import sys

from pyspark.sql import SparkSession
from shared import save

if __name__ == "__main__":
    day = sys.argv[1]
    spark = SparkSession.builder.appName("visits").getOrCreate()
    visits = spark.read.parquet(f"/opt/airflow/data/visits/{day}")
    save(visits, "fact_visits")
