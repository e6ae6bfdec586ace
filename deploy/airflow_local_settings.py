"""Airflow imports this module at start-up in every component (from ``$AIRFLOW_HOME/config``).

Where ``TAXI_PRELOAD_DBT=1`` is set (the scheduler of a LocalExecutor deployment, a Celery worker:
the processes that task processes are forked from), it imports dbt and the loader's data path
(pyarrow, the ADBC driver, psycopg) once and parses the dbt project once, so that each task starts
with them loaded and dbt warm instead of spending seconds importing and parsing. Anywhere else it
does nothing.
"""

import os

# Airflow copies every public name of this module into airflow.settings: export none.
__all__: list[str] = []

if os.environ.get("TAXI_PRELOAD_DBT") == "1":
    import taxi_pipeline.core.pipeline  # noqa: F401
    from taxi_pipeline.core.dbt import warm_up

    warm_up()
