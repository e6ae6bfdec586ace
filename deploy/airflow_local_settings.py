"""Airflow imports this module at start-up in every component (from ``$AIRFLOW_HOME/config``).

Where ``TAXI_PRELOAD_DBT=1`` is set (the scheduler of a LocalExecutor deployment, a Celery worker:
the processes that task processes are forked from), it imports dbt once, so that each dbt task
starts with dbt loaded instead of spending seconds importing it. Anywhere else it does nothing.
"""

import os

# Airflow copies every public name of this module into airflow.settings: export none.
__all__: list[str] = []

if os.environ.get("TAXI_PRELOAD_DBT") == "1":
    from taxi_pipeline.dbt import preload

    preload()
