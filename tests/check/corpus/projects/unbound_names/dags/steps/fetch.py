# expect: TP009@8
"""A task kept in its own module, declared with many retries."""

from airflow.decorators import task


@task(
    retries=6,
)
def fetch_readings(station):
    return f"readings of {station}"


@task(retries=2)
def store_readings(rows):
    return len(rows)
