# expect: TP007@9, TP007@16, TP007@19
"""Variable.get at module level, in a decorator argument and in the @dag body."""

import pendulum
from airflow.models import Variable
from airflow.decorators import dag, task
from airflow.operators.bash import BashOperator

BUCKET = Variable.get("landing_bucket")  # <- TP007


@dag(
    schedule="@daily",
    start_date=pendulum.datetime(2024, 1, 1),
    catchup=False,
    params={"limit": Variable.get("row_limit", default_var=1000)},  # <- TP007
)
def tp007_variable_get_top_level():
    prefix = Variable.get("prefix")  # <- TP007

    @task
    def at_run_time():
        return Variable.get("landing_bucket")

    BashOperator(task_id="templated", bash_command="echo {{ var.value.landing_bucket }}")
    at_run_time()


tp007_variable_get_top_level()
