# expect: none
"""TaskFlow tasks defined outside the DAG file, and one plain helper that queries at once."""

from airflow.decorators import task
from airflow.providers.postgres.hooks.postgres import PostgresHook


@task
def count_orders():
    return PostgresHook("warehouse").get_first("select count(*) from orders")[0]


@task.python(task_id="archive_orders")
def archive_orders():
    PostgresHook("warehouse").run("call archive_orders()")


def current_regions():
    return [row[0] for row in PostgresHook("warehouse").get_records("select name from regions")]
