# expect: none
"""Every name is bound somewhere: later in the file, by a loop, in a function, or a builtin."""

import logging
from datetime import datetime

from airflow import DAG
from airflow.operators.bash import BashOperator

log = logging.getLogger(__name__)


def _label(name, sep=None):
    return f"{name}{sep or ''}{undefined_until_called}"  # runs only if called: not at parse


try:
    extra = EXTRA_SETTING
except NameError:
    extra = None

with DAG(
    "orders_to_lake_fixed",
    start_date=datetime(2024, 5, 1),
    schedule="@daily",
    catchup=False,
    max_active_runs=1,
):
    steps = [BashOperator(task_id=n, bash_command=f"echo {n} {{{{ ds }}}}") for n in ("a", "b")]
    for left, right in zip(steps, steps[1:], strict=False):
        left >> right
    log.info("%s tasks, %s", len(steps), __file__)

if __name__ == "__main__":
    debug_only_helper()
