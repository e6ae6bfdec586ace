# expect: none
"""Submitted by the DAG: rebuilds the small levels table whole, so a rerun writes it again."""

from pyspark.sql import SparkSession

if __name__ == "__main__":
    spark = SparkSession.builder.appName("levels").getOrCreate()
    levels = spark.read.json("/opt/airflow/data/levels.json")
    levels.write.mode("overwrite").saveAsTable("levels")
