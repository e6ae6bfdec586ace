#!/usr/bin/env bash
# Lay this repository out as an Astro project in TARGET (created if missing, files overwritten):
#   Dockerfile requirements.txt packages.txt airflow_settings.yaml .env.example .gitignore .dockerignore
#   dags/                              the DAG file and its RUNBOOK.md, unchanged
#   include/dbt_project/               the dbt project, found by the DAG next to dags/
#   plugins/airflow_local_settings.py  preloads dbt where TAXI_PRELOAD_DBT=1 (.env.example)
#   tests/dags/test_dag_integrity.py   run by `astro dev pytest`, unchanged
#   package/                           the taxi_pipeline package, installed by the Dockerfile
set -euo pipefail
if [[ $# -ne 1 ]]; then
    echo "usage: $0 TARGET_DIR" >&2
    exit 2
fi
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
target=$1
mkdir -p "$target"
target=$(cd "$target" && pwd)
if [[ "$target" == "$repo" || "$target" == "$repo"/* ]]; then
    echo "choose a TARGET_DIR outside the repository ($repo)" >&2
    exit 2
fi

copy_tree() {  # SOURCE DEST: a fresh copy without caches and dbt build output
    rm -rf "$2"
    mkdir -p "$2"
    (cd "$1" && tar --exclude=__pycache__ --exclude=target --exclude=logs \
        --exclude=dbt_packages -cf - .) | (cd "$2" && tar -xf -)
}

for name in Dockerfile requirements.txt packages.txt airflow_settings.yaml .env.example \
    .gitignore .dockerignore; do
    cp "$here/$name" "$target/$name"
done
copy_tree "$repo/dags" "$target/dags"
copy_tree "$repo/include" "$target/include"
# plugins/ is on Airflow's import path: every component imports it at start-up (see the file).
mkdir -p "$target/plugins"
cp "$repo/deploy/airflow_local_settings.py" "$target/plugins/airflow_local_settings.py"
mkdir -p "$target/tests/dags"
cp "$repo/tests/test_dag_integrity.py" "$target/tests/dags/test_dag_integrity.py"
rm -rf "$target/package"
mkdir -p "$target/package"
cp "$repo/pyproject.toml" "$repo/README.md" "$target/package/"
copy_tree "$repo/src" "$target/package/src"
echo "Astro project assembled in $target: cd there, cp .env.example .env, edit it, astro dev start"
