# expect: none
"""Secrets referenced, never written: env vars, connections, templates, placeholders."""

import os

import pendulum
from airflow.sdk import dag, task
from airflow.providers.standard.operators.bash import BashOperator

PASSWORD_ENV = "WAREHOUSE_PASSWORD"
TOKEN_URL = "https://auth.example.com/oauth/token"


def engine_url(user, password, host):
    return f"postgresql://{user}:{password}@{host}:5432/dw"


@dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
def tp005_clean_references():
    @task
    def connect():
        password = os.environ[PASSWORD_ENV]
        settings = {
            "password": os.environ.get("DB_PASSWORD"),
            "api_key": "<your-api-key>",
            "token_type": "bearer",
            "max_tokens": 512,
            "secret_name": "prod/warehouse",
            "password_key": "db_password",
        }
        return engine_url("loader", password, "warehouse"), settings

    connect()
    BashOperator(
        task_id="psql",
        bash_command="psql -c 'select 1'",
        env={"PGPASSWORD": "{{ conn.warehouse.password }}", "PGUSER": "loader"},
    )


tp005_clean_references()
