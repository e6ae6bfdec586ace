"""The benchmarks run from a checkout and print well-formed figures (no timing is asserted), and
the pure parts of the backfill benchmark and its classic baseline DAG behave."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from benchmarks import backfill
from taxi_pipeline.core.months import Month
from tests.conftest import REPO


def _run(*args: str) -> dict:
    result = subprocess.run(
        [sys.executable, "-m", *args, "--json"],
        capture_output=True,
        text=True,
        cwd=REPO,
        timeout=900,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout)


@pytest.mark.slow
def test_load_benchmark_emits_ratios_for_both_sizes():
    figures = _run("benchmarks.load", "--large-rows", "20000")
    assert set(figures) == {"small", "large"}
    for size in figures.values():
        assert size["rows"] > 0
        for key in (
            "project_rows_per_s",
            "limit_rows_per_s",
            "ratio_to_limit",
            "peak_rss_mb",
            "project_s",
            "project_load_s",
            "limit_s",
        ):
            assert isinstance(size[key], int | float) and size[key] > 0
        assert size["project_download_checks_s"] >= 0
        assert size["project_s"] == pytest.approx(
            size["project_download_checks_s"] + size["project_load_s"], abs=0.01
        )
    assert figures["large"]["rows"] == 20_000
    # These files have one row group each, which the loader copies by one stream.
    assert figures["small"]["copy_streams"] == figures["large"]["copy_streams"] == 1
    small = figures["small"]
    assert small["reference_rows_per_s"] > 0
    expected = small["project_rows_per_s"] / small["reference_rows_per_s"]
    assert small["ratio_to_reference"] == pytest.approx(expected, rel=0.05)


@pytest.mark.slow
def test_load_benchmark_takes_yellow_shaped_files():
    figures = _run(
        "benchmarks.load",
        *("--service", "yellow", "--small-rows", "3000", "--large-rows", "20000"),
        "--no-reference-on-large",
    )
    assert {size: (f["service"], f["rows"]) for size, f in figures.items()} == {
        "small": ("yellow", 3_000),
        "large": ("yellow", 20_000),
    }
    for size in figures.values():
        assert size["project_rows_per_s"] > 0 and size["ratio_to_limit"] > 0


@pytest.mark.slow
def test_dbt_benchmark_compares_incremental_with_full_rebuild():
    figures = _run("benchmarks.dbt_incremental", "--history", "1")
    (run,) = figures["runs"]
    assert run["history_months"] == 1
    for key in ("incremental_model_s", "full_rebuild_model_s", "incremental_wall_s"):
        assert run[key] > 0


@pytest.mark.slow
def test_bench_script_names_the_benchmarks_when_given_an_unknown_one():
    result = subprocess.run(
        ["bash", "scripts/bench", "fastest"], capture_output=True, text=True, cwd=REPO, timeout=60
    )
    assert result.returncode == 2
    known = "(load, dbt_incremental, backfill, check_speed, check_accuracy)"
    assert f"no benchmark 'fastest' {known}" in result.stderr


def test_load_limit_copies_by_as_many_contiguous_streams_as_the_loader(tmp_path, monkeypatch):
    import pyarrow as pa
    import pyarrow.parquet as pq

    from benchmarks.load import limit_streams

    path = tmp_path / "groups.parquet"
    pq.write_table(pa.table({"n": list(range(1000))}), path, row_group_size=100)
    monkeypatch.delenv("TAXI_COPY_STREAMS", raising=False)
    # The loader's default: two streams, each a contiguous run of whole row groups.
    assert limit_streams(path, tmp_path) == [(0, 500), (500, 500)]
    monkeypatch.setenv("TAXI_COPY_STREAMS", "3")
    streams = limit_streams(path, tmp_path)
    assert len(streams) == 3
    assert [first for first, _ in streams] == [0, 400, 700]
    assert sum(rows for _, rows in streams) == 1000


def test_backfill_months_end_at_a_fixed_published_month():
    months = backfill.benchmark_months(backfill.MAX_MONTHS)
    assert len(months) == 120
    assert (months[0], months[-1]) == (Month(2016, 7), Month(2026, 6))
    assert backfill.benchmark_months(2) == [Month(2026, 5), Month(2026, 6)]


def test_backfill_arms_are_a_subset_of_the_known_ones():
    assert backfill.parse_arms("parallel, serial") == ["parallel", "serial"]
    with pytest.raises(Exception, match="subset of parallel,classic,serial,single"):
        backfill.parse_arms("parallel,fastest")


def test_backfill_figures_the_tasks_do_not_report_are_unknown_not_zero():
    assert backfill.reported_sum([{}, {}], "import_s", "parse_s") is None
    # A dbt task that found its month already built reports zeros; a missing key counts as 0.
    reports = [{"import_s": 3.0, "parse_s": 2.0}, {"import_s": 0.0}, {}]
    assert backfill.reported_sum(reports, "import_s", "parse_s") == 5.0


def test_backfill_ratios_skip_the_arms_that_did_not_run():
    parallel = {
        "wall_s": 10.0,
        "task_seconds": {"dbt_run": 6.0, "dbt_test": 2.0},
        "dbt_startup_parse_s": 4.0,
    }
    report = {"parallel": parallel, "serial": {"wall_s": 15.0}}
    assert backfill.ratios(report) == {
        "speedup": 1.5,
        "classic_to_parallel": None,
        "classic_to_serial": None,
        "single_month_classic_to_project": None,
        "dbt_startup_share": 0.5,
    }
    assert (
        backfill.ratios({"parallel": parallel | {"dbt_startup_parse_s": None}})["dbt_startup_share"]
        is None
    )


# -- the classic baseline DAG (benchmarks/classic), imported without a running Airflow -------


@pytest.fixture(scope="module")
def classic():
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(backfill.CLASSIC_DAG_FILE.parent))
    assert bag.import_errors == {}
    from benchmarks.classic import taxi_classic

    return SimpleNamespace(module=taxi_classic, dag=bag.dags[backfill.CLASSIC_DAG_ID])


def test_classic_dag_is_the_teaching_shape(classic):
    dag = classic.dag
    assert [t.task_id for t in dag.topological_sort()] == [
        "ingest_taxi_month",
        "dbt_run",
        "dbt_test",
    ]
    assert dag.max_active_runs == 1
    assert dag.catchup is False
    # The harness seeds this schema and names this DAG without importing the file.
    assert classic.module.DAG_ID == backfill.CLASSIC_DAG_ID
    assert classic.module.DBT_SCHEMA == backfill.CLASSIC_DBT_SCHEMA


def test_classic_month_comes_from_the_param_else_the_data_interval(classic):
    month_of_run = classic.module.month_of_run
    interval_start = datetime(2025, 3, 1, tzinfo=UTC)
    assert month_of_run(None, interval_start) == Month(2025, 3)
    assert month_of_run("2024-11", interval_start) == Month(2024, 11)
    with pytest.raises(ValueError, match="neither a month param nor a data interval"):
        month_of_run(None, None)


def test_classic_dbt_gets_the_connection_through_the_environment_only(
    classic, monkeypatch, tmp_path
):
    password = "s3cret-Pw"
    connection = SimpleNamespace(
        host="db.example", port=6543, login="taxi", password=password, schema="warehouse"
    )
    monkeypatch.setattr(classic.module.Connection, "get", lambda conn_id: connection)
    monkeypatch.setattr(os, "environ", dict(os.environ, AIRFLOW_HOME=str(tmp_path)))
    command = classic.module.dbt_command("test", Month(2024, 1))

    assert password not in command
    argv = shlex.split(command)
    assert argv[1] == "test"
    assert argv[argv.index("--project-dir") + 1].endswith("include/dbt_project")
    assert os.environ["DBT_ENV_SECRET_PG_PASSWORD"] == password
    assert os.environ["TAXI_DBT_MONTHS"] == "2024-01-01"
    assert (os.environ["TAXI_PG_HOST"], os.environ["TAXI_PG_PORT"]) == ("db.example", "6543")
    assert os.environ["TAXI_PG_DBNAME"] == "warehouse"
