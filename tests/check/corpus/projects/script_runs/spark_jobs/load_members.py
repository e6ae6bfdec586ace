# expect: none
"""Submitted by the DAG: loads the members file into Postgres over JDBC."""

import os
import sys

from pyspark.sql import SparkSession


def store(frame, table: str, mode: str = "append") -> None:
    url = "jdbc:postgresql://warehouse:5432/club"
    credentials = {
        "user": os.environ.get("WAREHOUSE_USER", "club"),
        "password": os.environ.get("WAREHOUSE_PASSWORD", "Tr1cky-club"),
    }
    frame.write.jdbc(url=url, table=table, mode=mode, properties=credentials)


if __name__ == "__main__":
    spark = SparkSession.builder.appName("members").getOrCreate()
    store(spark.read.csv(sys.argv[1], header=True), "members")
