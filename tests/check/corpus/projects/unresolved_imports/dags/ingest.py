# expect: TP007@11, TP007@12, TP008@15, TP007@17
"""Imports that work on the author's laptop and fail on the scheduler."""

import sys

import pandas as pd
import requests_cache
import yaml
from airflow.sdk import dag, task
from common import BUCKET_VARIABLE
from airflow.dags.common import BUCKET_VARIABLE as SAME  # noqa: F401
import great_expectations
from taxi_macros import month_of

sys.path.insert(0, "/home/ana/src/taxi-tools")

from taxi_tools import clean  # noqa: E402

try:
    import orjson as json_module
except ImportError:
    import json as json_module


@dag(schedule=None, catchup=False, max_active_runs=1)
def ingest():
    @task
    def run(ds=None):
        import some_task_only_module

        frame = clean(pd.DataFrame())
        return some_task_only_module, month_of(ds), BUCKET_VARIABLE, yaml, requests_cache, json_module, frame

    run()


ingest()
