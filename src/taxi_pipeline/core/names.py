"""The names and defaults every part of the pipeline shares, each defined here once.

Importing this module costs nothing: the Airflow side, the CLI and the settings read it without
loading the data path.
"""

from __future__ import annotations

import re

from taxi_pipeline.core.errors import InvalidParameter

DAG_ID = "taxi_pipeline"
# The example consumer of the pipeline's assets (orchestration/assets.py names them).
SUMMARY_EXPORT_DAG_ID = "taxi_monthly_summary_export"
DBT_POOL = "dbt"
DBT_POOL_DESCRIPTION = "one dbt invocation at a time against a schema"
CONNECTION_ID = "azure_pg"
CONNECTION_ENV = "AIRFLOW_CONN_AZURE_PG"

# The XCom in which a failing task leaves its error as one line, for the CLI to show.
FAILURE_XCOM_KEY = "failure"

DEFAULT_SERVICE = "green"
# The TLC services that share the trip shape, each with its declared schema in core/schema.py and
# its own DAG (service_dag_id).
TRIP_SERVICES = ("green", "yellow")
DEFAULT_RAW_SCHEMA = "raw"
DEFAULT_DBT_SCHEMA = "analytics"
DEFAULT_COPY_STREAMS = 2
DEFAULT_TLC_BASE_URL = "https://d37ci6vzurychx.cloudfront.net/trip-data"
DEFAULT_STATE_DIR = ".state"
# How long one statement may wait for a lock on a relation others read (readers queue behind it
# meanwhile), and how long a try keeps trying again before it fails as WarehouseBusy.
DEFAULT_LOCK_TIMEOUT_S = 3
DEFAULT_LOCK_RETRY_S = 60


def service_dag_id(service: str) -> str:
    """The DAG of one service: the classic name for green, ``taxi_pipeline_<service>`` for the
    others. One DAG per service keeps each service's schedule, runs, backfills and failures its
    own."""
    return DAG_ID if service == DEFAULT_SERVICE else f"{DAG_ID}_{service}"


_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def validate_identifier(name: str, what: str = "schema name") -> str:
    """Schema names come from configuration: accept only plain lowercase identifiers."""
    if not isinstance(name, str) or not _IDENTIFIER.fullmatch(name):
        raise InvalidParameter(
            f"invalid {what} {str(name)[:70]!r}: use lowercase letters, digits and underscores, "
            f"starting with a letter or underscore (at most 63 characters)"
        )
    return name
