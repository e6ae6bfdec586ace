# expect: TP003@10
"""A TaskFlow task kept outside the DAG file; it calls a loader of include/."""

from airflow.decorators import task
from loaders import append_chunks


@task()
def load_citations():
    append_chunks("warehouse", "citations.json")
