# expect: none
"""dbt commands and task defaults shared by the dbt DAGs."""

from datetime import timedelta

DBT_COMMANDS = {
    "run": "dbt run --select {select}",
    "test": "dbt test --select {select}",
}


def shared_default_args() -> dict:
    return {"owner": "analytics", "retries": 2, "retry_delay": timedelta(minutes=5)}
