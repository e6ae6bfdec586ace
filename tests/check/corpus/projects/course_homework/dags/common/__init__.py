# expect: none
"""Settings the homework DAGs share (the course's layout: a package beside the DAG files)."""

from datetime import datetime

start_date = datetime.fromisoformat("2019-01-01")

default_args = {"owner": "airflow", "retries": 1}

default_args_rides = {**default_args, "start_date": start_date}
