"""One warehouse connection read from each place it can be defined, given out in each form."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from taxi_pipeline.core.connection import WarehouseConnection, classify_connection_error
from taxi_pipeline.core.errors import (
    InvalidParameter,
    WarehouseAuthFailed,
    WarehouseTlsFailed,
    WarehouseUnavailable,
)

SECRET = "p@ss:w/rd%?#"
TLS = {"sslmode": "verify-full", "sslrootcert": "/etc/ssl/azure-ca.pem"}


def airflow_connection(**overrides) -> SimpleNamespace:
    fields = dict(
        conn_id="azure_pg",
        conn_type="postgres",
        host="db.example.com",
        port=6432,
        login="loader",
        password=SECRET,
        schema="warehouse",
        extra_dejson={**TLS, "cursor": "dictcursor"},
    )
    return SimpleNamespace(**(fields | overrides))


def test_every_source_gives_the_same_connection():
    from_airflow = WarehouseConnection.from_airflow_connection(airflow_connection())
    assert from_airflow.options == TLS  # the provider's own keys are not libpq options
    assert WarehouseConnection.from_url(from_airflow.url) == from_airflow
    assert WarehouseConnection.from_env_value(from_airflow.airflow_json()) == from_airflow
    assert WarehouseConnection.from_env_value(from_airflow.url) == from_airflow


def test_the_json_form_keeps_the_options_as_extra():
    data = json.loads(
        WarehouseConnection.from_airflow_connection(airflow_connection()).airflow_json()
    )
    assert data["extra"] == TLS and data["schema"] == "warehouse" and data["password"] == SECRET


def test_dbt_gets_every_libpq_option_as_libpq_reads_it():
    env = WarehouseConnection.from_airflow_connection(airflow_connection()).dbt_environment()
    assert env["PGSSLMODE"] == "verify-full"
    assert env["PGSSLROOTCERT"] == "/etc/ssl/azure-ca.pem"
    assert env["TAXI_PG_DBNAME"] == "warehouse" and env["TAXI_PG_PORT"] == "6432"
    # The password only in the variable dbt scrubs from its logs.
    assert [key for key, value in env.items() if SECRET in value] == ["DBT_ENV_SECRET_PG_PASSWORD"]


def test_an_unknown_option_is_refused_by_name():
    with pytest.raises(InvalidParameter, match="sslmod"):
        WarehouseConnection.from_url("postgresql://u@h/db?sslmod=require")


def test_a_non_postgres_connection_is_refused():
    refused = "'azure_pg' has type 'mysql'; it must be a postgres"
    with pytest.raises(InvalidParameter, match=refused):
        WarehouseConnection.from_airflow_connection(airflow_connection(conn_type="mysql"))
    with pytest.raises(InvalidParameter, match="AIRFLOW_CONN_AZURE_PG has type 'mysql'"):
        WarehouseConnection.from_env_value('{"conn_type": "mysql", "host": "db"}')


@pytest.mark.parametrize(
    ("driver_says", "kind", "names"),
    [
        ("SSL error: certificate verify failed", WarehouseTlsFailed, "sslrootcert=/etc/ssl"),
        (
            'root certificate file "/x.pem" does not exist',
            WarehouseTlsFailed,
            "sslmode=verify-full",
        ),
        ('password authentication failed for user "loader"', WarehouseAuthFailed, "login"),
        ("Connection refused", WarehouseUnavailable, "a retry may succeed"),
    ],
)
def test_driver_errors_become_errors_that_say_what_to_check(driver_says, kind, names):
    connection = WarehouseConnection.from_airflow_connection(airflow_connection())
    error = classify_connection_error(
        f"connection to server at {connection.url} failed: {driver_says}", connection
    )
    assert isinstance(error, kind)
    assert "db.example.com:6432" in str(error) and names in str(error)
    assert SECRET not in str(error) and "p%40ss" not in str(error)
    assert SECRET not in repr(connection)
