#!/usr/bin/env bash
set -euo pipefail
export PGPASSWORD=warehouse-pass-2024
# the password above is what psql reads; the URL below carries none
psql "postgresql://etl@warehouse:5432/etl" -c "\copy daily_summary to 'summary.csv' csv"
