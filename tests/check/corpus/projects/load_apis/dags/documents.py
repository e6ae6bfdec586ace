# expect: TP003@16, TP003@41
"""Document-store loads: plain inserts pile up, deletes and upserts first do not."""

import pendulum
from airflow.decorators import dag, task
from pymongo import MongoClient
from pyspark.sql import SparkSession


@dag(schedule="@daily", start_date=pendulum.datetime(2026, 1, 1), catchup=False)
def documents():
    @task
    def add_readings(readings):
        client = MongoClient("mongodb://mongo:27017/")
        collection = client["sensors"]["readings"]
        collection.insert_many(readings)  # <- TP003: nothing removed first

    @task
    def replace_day(readings, ds=None):
        collection = MongoClient("mongodb://mongo:27017/")["sensors"]["daily"]
        collection.delete_many({"day": ds})
        collection.insert_many(readings)

    @task
    def upsert_devices(devices):
        collection = MongoClient("mongodb://mongo:27017/")["sensors"]["devices"]
        for device in devices:
            collection.update_one({"_id": device["id"]}, {"$set": device}, upsert=True)

    @task
    def spark_to_mongo(path):
        frame = SparkSession.builder.getOrCreate().read.parquet(path)
        writer = frame.write.format("mongodb").option("collection", "events")
        writer.option("operationType", "update").option("upsertDocument", "true").mode(
            "append"
        ).save()

    @task
    def spark_append(path):
        frame = SparkSession.builder.getOrCreate().read.parquet(path)
        frame.write.format("mongodb").mode("append").save()  # <- TP003: plain append

    add_readings([])
    replace_day([])
    upsert_devices([])
    spark_to_mongo("/opt/airflow/data/events.parquet")
    spark_append("/opt/airflow/data/events.parquet")


documents()
