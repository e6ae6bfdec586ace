# expect: TP008@10
"""A data folder built from the HOME variable; one from a project variable is configurable."""

import os
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

BASE = os.path.join(os.getenv("HOME"), "pipelines", "news")
DATA = os.path.join(os.getenv("NEWS_DATA_DIR", "/opt/airflow/data"), "news")

with DAG("news_paths", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    BashOperator(task_id="list_news", bash_command=f"ls {BASE} {DATA}")
