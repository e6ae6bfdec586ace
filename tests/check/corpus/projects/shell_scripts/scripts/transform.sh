#!/usr/bin/env bash
# Build the models of the day, then test them.
set -euo pipefail
cd /opt/airflow/dbt
dbt deps
dbt run --target prod
