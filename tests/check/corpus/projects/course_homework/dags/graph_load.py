# expect: TP007@14, TP005@16, TP005@23
"""A task whose body is only comments: the file does not parse, and the rest is still read."""

import os

from airflow.decorators import dag, task
from airflow.models import Variable


@task()
def generate_csv_files():
    # generate_authors_csv()

@task()
def load_graph():
    password = os.getenv("NEO4J_PASSWORD", "test")
    return password is not None


@task()
def api_login():
    user = Variable.get("API_USERNAME", default_var="airflow")
    secret = Variable.get("API_PASSWORD", default_var="airflow")
    return user, secret


@dag(schedule=None, catchup=False, max_active_runs=1)
def graph_load():
    generate_csv_files() >> load_graph() >> api_login()


graph_load()
