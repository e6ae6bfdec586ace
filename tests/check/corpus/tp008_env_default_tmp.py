# expect: TP008@9
"""An environment variable with a /tmp fallback still lands on one worker's disk."""

import os

import pendulum
from airflow.sdk import dag, task

SHARED_DIR = os.getenv("SHARED_DIR", "/tmp/shared")  # <- TP008


@dag(schedule=None, start_date=pendulum.datetime(2024, 1, 1))
def tp008_env_default_tmp():
    @task
    def write():
        with open(os.path.join(SHARED_DIR, "out.csv"), "w") as handle:
            handle.write("a,b\n")

    write()


tp008_env_default_tmp()
