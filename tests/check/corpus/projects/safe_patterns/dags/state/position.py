# expect: none
"""Where the order feed got to, kept in an Airflow Variable between runs."""

from airflow.models import Variable


def read_position(key, first):
    return Variable.get(key, default_var=first)


def save_position(key, value):
    Variable.set(key, value)
