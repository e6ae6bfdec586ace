"""The DAGs import cleanly and keep their contract.

Self-contained on purpose: no fixtures from the project's conftest, so it also runs unchanged under
``astro dev pytest`` (placed in ``tests/`` or ``tests/dags/`` of an Astro project). A DAG that fails
to import disappears from the UI without a sound; this is the test that makes such a break loud.
"""

from __future__ import annotations

import copy
import inspect
import itertools
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

# Outside an Airflow deployment, keep Airflow from creating ~/airflow (set before it is imported).
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable
from airflow.sdk.exceptions import AirflowRescheduleException, ParamValidationError


def _project_root() -> Path:
    """The folder holding ``dags/``: this repository, or an Astro project."""
    here = Path(__file__).resolve().parent
    for folder in (here, *here.parents):
        if (folder / "dags" / "taxi_pipeline.py").is_file():
            return folder
    raise RuntimeError(f"no dags/taxi_pipeline.py above {here}")


PROJECT = _project_root()
DAGS_FOLDER = PROJECT / "dags"
DAG_ID = "taxi_pipeline"
NAMESPACES_ENV = "TAXI_NAMESPACES"
TASKS = ["ingest_taxi_month", "dbt_run", "dbt_test"]
DBT_TASKS = ["dbt_run", "dbt_test"]

# A credential or a machine-specific path written into a DAG file.
FORBIDDEN = {
    "a URL with credentials": re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s/:@'\"]+:[^\s/@'\"]+@"),
    "a password literal": re.compile(
        r"""(?i)\b(password|passwd|secret|token)\b\s*[=:]\s*['"][^'"]+"""
    ),
    "a host path": re.compile(
        r"(?<![\w.])(/Users/|/home/|/root\b|/tmp\b|/var/folders/|/usr/local/airflow|/opt/airflow"
        r"|[A-Z]:\\\\)"
    ),
}


def load_dagbag(folder: Path) -> DagBag:
    # Airflow 3.3 no longer takes include_examples (examples became a DAG bundle of their own).
    kwargs = {}
    if "include_examples" in inspect.signature(DagBag.__init__).parameters:
        kwargs["include_examples"] = False
    return DagBag(dag_folder=str(folder), **kwargs)


@contextmanager
def namespaces_env(value: str | None):
    """The DAG file reads TAXI_NAMESPACES when it is parsed, so each load sets it first."""
    with pytest.MonkeyPatch.context() as patch:
        if value is None:
            patch.delenv(NAMESPACES_ENV, raising=False)
        else:
            patch.setenv(NAMESPACES_ENV, value)
        yield


@pytest.fixture(scope="module")
def dagbag() -> DagBag:
    # The un-namespaced DAG, whatever this deployment's TAXI_NAMESPACES says (tested below).
    with namespaces_env(None):
        return load_dagbag(DAGS_FOLDER)


@pytest.fixture(scope="module")
def dag(dagbag):
    assert DAG_ID in dagbag.dags, f"{DAG_ID} missing; DAGs found: {sorted(dagbag.dags)}"
    return dagbag.dags[DAG_ID]


def test_no_import_errors(dagbag):
    assert not dagbag.import_errors, "\n\n".join(
        f"{path}:\n{error}" for path, error in dagbag.import_errors.items()
    )
    assert dagbag.size() >= 1


def test_every_dag_file_defines_a_dag(dagbag):
    files_with_dags = {Path(d.fileloc).resolve() for d in dagbag.dags.values()}
    for path in DAGS_FOLDER.glob("*.py"):
        if path.name.startswith("_"):
            continue
        assert path.resolve() in files_with_dags, f"{path.name} defines no DAG"


def test_tasks_run_in_order(dag):
    assert sorted(dag.task_ids) == sorted(TASKS)
    for upstream, downstream in itertools.pairwise(TASKS):
        assert dag.get_task(upstream).downstream_task_ids == {downstream}


def test_schedule_covers_one_calendar_month_per_run(dag):
    from airflow.timetables.base import DataInterval, TimeRestriction
    from airflow.timetables.interval import CronDataIntervalTimetable as SchedulerTimetable

    assert isinstance(dag.timetable, CronDataIntervalTimetable)
    assert (dag.timetable.expression, str(dag.timetable.timezone)) == ("0 0 1 * *", "UTC")
    # As the scheduler sees it: the run after December 2023 covers January 2024 and is due
    # once January is over.
    timetable = SchedulerTimetable(dag.timetable.expression, dag.timetable.timezone)
    dec, jan, feb = (datetime(y, m, 1, tzinfo=UTC) for y, m in ((2023, 12), (2024, 1), (2024, 2)))
    info = timetable.next_dagrun_info(
        last_automated_data_interval=DataInterval(dec, jan),
        restriction=TimeRestriction(earliest=dag.start_date, latest=None, catchup=True),
    )
    assert (info.data_interval.start, info.data_interval.end, info.run_after) == (jan, feb, feb)


def test_history_is_loaded_by_backfill_not_by_catchup(dag):
    assert dag.catchup is False
    assert dag.start_date == datetime(2009, 1, 1, tzinfo=UTC)


def test_retries_are_for_transient_errors_only(dag):
    from taxi_pipeline.orchestration.tasks import TransientOnlyRetryPolicy

    for task in dag.tasks:
        assert task.retries == 2, task.task_id
        assert task.retry_delay.total_seconds() == 300, task.task_id
        assert isinstance(task.retry_policy, TransientOnlyRetryPolicy), task.task_id


def test_dbt_tasks_share_the_one_slot_pool(dag):
    for task_id in DBT_TASKS:
        task = dag.get_task(task_id)
        assert task.pool == "dbt", task_id
        assert task.pool_slots == 1, task_id
    assert dag.get_task("ingest_taxi_month").pool != "dbt"


def test_tags_and_docs(dag):
    assert {"taxi", "dbt"} <= set(dag.tags)
    assert dag.doc_md and "--conf" in dag.doc_md and "month" in dag.doc_md


def test_month_param_is_validated(dag):
    params = copy.deepcopy(dag.params)
    for good in (None, "2024-01", "2009-12"):
        params["month"] = good
        params.validate()
    for bad in ("2024-13", "2024-1", "January", "2024-01-01"):
        with pytest.raises(ParamValidationError):
            params["month"] = bad
            params.validate()


def test_no_secrets_or_host_paths_in_dag_files():
    for path in DAGS_FOLDER.rglob("*.py"):
        text = path.read_text()
        for what, pattern in FORBIDDEN.items():
            match = pattern.search(text)
            assert not match, f"{path.name} contains {what}: {match.group(0)!r}"


# -- the month a run processes, its wait for TLC and its retries --------------------------------


def _context(run_type, logical_date=None, start=None, end=None, month=None):
    return {
        "params": {"month": month},
        "dag_run": SimpleNamespace(run_type=run_type, logical_date=logical_date),
        "data_interval_start": start,
        "data_interval_end": end,
    }


def test_month_comes_from_the_run_never_the_clock():
    from taxi_pipeline.core.errors import InvalidParameter
    from taxi_pipeline.orchestration.tasks import month_for_run

    jan, feb = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 2, 1, tzinfo=UTC)
    assert str(month_for_run(_context("scheduled", jan, jan, feb))) == "2024-01"
    assert str(month_for_run(_context("backfill", jan, jan, feb))) == "2024-01"
    # The parameter wins over the interval.
    assert str(month_for_run(_context("backfill", jan, jan, feb, month="2023-12"))) == "2023-12"
    assert str(month_for_run(_context("manual", month="2023-01"))) == "2023-01"
    # A manual run's interval is inferred from its trigger time: its logical date is used.
    now = datetime.now(UTC)
    assert str(month_for_run(_context("manual", jan, now, now))) == "2024-01"
    with pytest.raises(InvalidParameter, match=r"airflow dags trigger taxi_pipeline --conf"):
        month_for_run(_context("manual"))


def test_unpublished_month_waits_until_its_deadline_then_fails():
    from taxi_pipeline.core.errors import MonthNotAvailable
    from taxi_pipeline.core.months import Month
    from taxi_pipeline.orchestration.tasks import wait_or_fail

    missing = MonthNotAvailable(
        "403", url="https://tlc.example/green_tripdata_2024-10.parquet", status=403
    )
    settings = SimpleNamespace(service="green")
    october = Month(2024, 10)
    with pytest.raises(AirflowRescheduleException) as waiting:
        wait_or_fail(missing, settings, october, 75, now=datetime(2024, 11, 20, tzinfo=UTC))
    assert waiting.value.reschedule_date <= datetime(2025, 1, 15, tzinfo=UTC)
    with pytest.raises(MonthNotAvailable, match=r"not published by 2025-01-15") as failed:
        wait_or_fail(missing, settings, october, 75, now=datetime(2025, 1, 15, tzinfo=UTC))
    assert "green_tripdata_2024-10.parquet" in str(failed.value)


def test_retry_policy_retries_transient_errors_only():
    from airflow.sdk.definitions.retry_policy import RetryAction

    from taxi_pipeline.core.errors import (
        CorruptFile,
        DbtFailed,
        MonthNotAvailable,
        SchemaMismatch,
        SourceUnavailable,
        WarehouseUnavailable,
    )
    from taxi_pipeline.orchestration.tasks import TransientOnlyRetryPolicy

    os.environ.pop("TAXI_RETRY_DELAY_S", None)
    policy = TransientOnlyRetryPolicy()
    deterministic = [
        MonthNotAvailable("gone", url="u", status=404),
        CorruptFile("html"),
        SchemaMismatch("columns"),
        DbtFailed("test failed"),
    ]
    for error in deterministic:
        decision = _evaluate(policy, error)
        assert decision.action == RetryAction.FAIL, type(error).__name__
    for error in (SourceUnavailable("HTTP 500"), WarehouseUnavailable("restart"), TimeoutError()):
        decision = _evaluate(policy, error)
        assert decision.action == RetryAction.RETRY, type(error).__name__


def _evaluate(policy, error):
    from unittest import mock

    # Outside a task there is no API server to ask for Variables.
    with mock.patch("taxi_pipeline.orchestration.tasks.Variable.get", return_value=None):
        return policy.evaluate(error, try_number=1, max_tries=3)


# -- the same files where Astro and docker-compose put them ----------------------------------------


@pytest.mark.parametrize("root", ["usr/local/airflow", "opt/airflow"])
def test_dag_finds_the_dbt_project_wherever_dags_and_include_are_deployed(tmp_path, root):
    """Astro: /usr/local/airflow/{dags,include}; the official image: /opt/airflow/{dags,include}."""
    from taxi_pipeline.orchestration.tasks import dbt_project

    deployed = tmp_path / root
    shutil.copytree(DAGS_FOLDER, deployed / "dags", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(
        PROJECT / "include",
        deployed / "include",
        ignore=shutil.ignore_patterns("target", "logs", "dbt_packages", "__pycache__"),
    )
    with namespaces_env(None), pytest.MonkeyPatch.context() as patch:
        patch.delenv("TAXI_DBT_PROJECT_DIR", raising=False)
        bag = load_dagbag(deployed / "dags")
        assert not bag.import_errors, bag.import_errors
        dag = bag.dags[DAG_ID]
        expected = (deployed / "include" / "dbt_project").resolve()
        for task_id in DBT_TASKS:
            found = Path(dag.get_task(task_id).op_kwargs["dbt_project_dir"])
            assert found == expected, task_id
            assert dbt_project(str(found)) == expected
        assert (expected / "dbt_project.yml").is_file()


# -- namespaces: several copies of the pipeline in one Airflow ----------------------------------


def test_each_namespace_gets_its_own_dag_tag_and_dbt_pool():
    with namespaces_env("default, alice,bob"):
        bag = load_dagbag(DAGS_FOLDER)
    assert not bag.import_errors, bag.import_errors
    assert sorted(bag.dags) == ["alice__taxi_pipeline", "bob__taxi_pipeline", DAG_ID]
    plain = bag.dags[DAG_ID]
    assert not [tag for tag in plain.tags if tag.startswith("ns:")]
    for ns in ("alice", "bob"):
        dag = bag.dags[f"{ns}__taxi_pipeline"]
        assert f"ns:{ns}" in dag.tags and {"taxi", "dbt"} <= set(dag.tags)
        assert sorted(dag.task_ids) == sorted(TASKS)
        assert f"`{ns}_raw`" in dag.doc_md and f"`dbt__{ns}`" in dag.doc_md
        # Everything else is the same pipeline: schedule, catchup, retries, params.
        assert dag.timetable.expression == plain.timetable.expression
        assert (dag.catchup, dag.max_active_runs) == (plain.catchup, plain.max_active_runs)
        assert set(dag.params) == set(plain.params)
        for task_id in TASKS:
            task, plain_task = dag.get_task(task_id), plain.get_task(task_id)
            assert task.op_kwargs["namespace"] == ns, task_id
            assert task.retries == plain_task.retries == 2
            expected_pool = f"dbt__{ns}" if task_id in DBT_TASKS else plain_task.pool
            assert (task.pool, task.pool_slots) == (expected_pool, 1), task_id
    assert {plain.get_task(t).op_kwargs["namespace"] for t in TASKS} == {""}


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("Alice", "invalid namespace 'Alice'"),
        ("alice,bob-smith", "invalid namespace 'bob-smith'"),
        ("alice__x", "invalid namespace 'alice__x'"),
        ("1st", "invalid namespace '1st'"),
        ("x" * 41, "at most 40 characters"),
        ("alice,alice", "'alice' is listed twice"),
    ],
)
def test_a_bad_namespace_is_an_import_error_that_says_why(value, message):
    with namespaces_env(value):
        bag = load_dagbag(DAGS_FOLDER)
    assert not bag.dags
    (error,) = bag.import_errors.values()
    assert message in error and NAMESPACES_ENV in error


def test_the_configured_namespaces_all_load():
    """This deployment's own TAXI_NAMESPACES (unset: the plain DAG) gives one DAG per name."""
    from taxi_pipeline.orchestration.namespaces import configured_namespaces

    expected = sorted(ns.dag_id for ns in configured_namespaces())
    bag = load_dagbag(DAGS_FOLDER)
    assert not bag.import_errors, bag.import_errors
    assert sorted(bag.dags) == expected


def test_namespace_fixes_schemas_and_work_dir_whatever_the_variables_say(monkeypatch, tmp_path):
    from unittest import mock

    from taxi_pipeline.core.names import validate_identifier
    from taxi_pipeline.orchestration.tasks import task_settings

    monkeypatch.setenv("AIRFLOW_HOME", str(tmp_path))
    for name in ("TAXI_RAW_SCHEMA", "TAXI_DBT_SCHEMA", "TAXI_WORK_DIR"):
        monkeypatch.delenv(name, raising=False)
    shared = {"taxi_raw_schema": "shared_raw", "taxi_dbt_schema": "shared_analytics"}
    with mock.patch(
        "taxi_pipeline.orchestration.tasks.Variable.get",
        side_effect=lambda key, default=None: shared.get(key, default),
    ):
        plain, alice = task_settings(""), task_settings("alice")
        longest = task_settings("a" * 40)
    assert (plain.raw_schema, plain.dbt_schema) == ("shared_raw", "shared_analytics")
    assert (alice.raw_schema, alice.dbt_schema) == ("alice_raw", "alice_analytics")
    base = (tmp_path / "taxi_pipeline").resolve()
    assert (plain.work_dir, alice.work_dir) == (base, base / "namespaces" / "alice")
    validate_identifier(longest.raw_schema)
    validate_identifier(longest.dbt_schema)


def test_namespace_list_parsing():
    from unittest import mock

    from taxi_pipeline.orchestration.namespaces import Namespace, dbt_pools, parse_namespaces

    assert parse_namespaces(None) == parse_namespaces(" , ") == (Namespace(),)
    assert parse_namespaces("alice, team_2 ,default") == (
        Namespace("alice"),
        Namespace("team_2"),
        Namespace(),
    )
    assert dbt_pools(parse_namespaces("default,alice")) == {
        "dbt": {"slots": 1, "description": mock.ANY, "include_deferred": False},
        "dbt__alice": {"slots": 1, "description": mock.ANY, "include_deferred": False},
    }


# -- the deployment files (in this repository only; an Astro project has no deploy/) -------------

DEPLOY = PROJECT / "deploy"
needs_deploy = pytest.mark.skipif(not DEPLOY.is_dir(), reason="no deploy/ folder here")


def _locked_versions() -> dict[str, str]:
    import tomllib

    lock = tomllib.loads((PROJECT / "uv.lock").read_text())
    return {package["name"]: package["version"] for package in lock["package"]}


@needs_deploy
def test_astro_requirements_pin_the_locked_versions():
    locked = _locked_versions()
    pins = {}
    for line in (DEPLOY / "astro" / "requirements.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            pins[re.sub(r"\[.*\]", "", name).lower()] = version
    assert pins and all(pins.values()), "every requirement must be pinned with =="
    assert {name: locked.get(name) for name in pins} == pins
    # The Runtime image brings Airflow; pinning it here would fight the image.
    assert "apache-airflow" not in pins
    assert {"dbt-core", "dbt-postgres", "psycopg", "pyarrow"} <= set(pins)


@needs_deploy
def test_astro_settings_create_the_pool_and_hold_no_password():
    import yaml

    settings = yaml.safe_load((DEPLOY / "astro" / "airflow_settings.yaml").read_text())["airflow"]
    pools = {p["pool_name"]: p["pool_slot"] for p in settings["pools"]}
    assert pools["dbt"] == 1
    (conn,) = [c for c in settings["connections"] if c["conn_id"] == "azure_pg"]
    assert conn["conn_type"] == "postgres"
    assert not conn.get("conn_password")
    first_line = (DEPLOY / "astro" / "Dockerfile").read_text().split("\nFROM ", 1)[1].split()[0]
    assert re.fullmatch(r"astrocrpublic\.azurecr\.io/runtime:3\.3-\d+-python-3\.11", first_line)


@needs_deploy
def test_compose_runs_the_official_image_with_secrets_only_from_env():
    import yaml

    folder = DEPLOY / "docker-compose"
    compose = yaml.safe_load((folder / "docker-compose.yaml").read_text())
    assert "FROM apache/airflow:3.3.2-python3.11" in (folder / "Dockerfile").read_text()
    airflow_services = {k: v for k, v in compose["services"].items() if k.startswith("airflow")}
    assert {"airflow-scheduler", "airflow-dag-processor", "airflow-init"} <= set(airflow_services)
    for name, service in airflow_services.items():
        env = service["environment"]
        assert env["AIRFLOW__CORE__EXECUTOR"] == "LocalExecutor", name
        assert "../../dags:/opt/airflow/dags" in service["volumes"], name
        assert "../../include:/opt/airflow/include" in service["volumes"], name
        assert service["env_file"] == [".env"], name
        assert not [key for key in env if key.startswith("AIRFLOW_CONN_")], name
        for key, value in env.items():
            if re.search(r"PASSWORD|SECRET|FERNET|SQL_ALCHEMY_CONN", key):
                assert "${" in str(value), f"{name}: {key} must come from .env"
    init = " ".join(airflow_services["airflow-init"]["command"])
    assert 'airflow pools set dbt 1 "' in init
    assert "python -m taxi_pipeline.orchestration.namespaces pools" in init
    for env_file in (folder / ".env.example", DEPLOY / "astro" / ".env.example"):
        assert "CHANGE-ME" in env_file.read_text()
        assert ".env" in (env_file.parent / ".gitignore").read_text().split()


@needs_deploy
def test_assembled_astro_project_passes_this_test_unchanged(tmp_path):
    import subprocess
    import sys

    project = tmp_path / "astro-project"
    subprocess.run(
        ["bash", str(DEPLOY / "astro" / "assemble.sh"), str(project)],
        check=True,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (project / "include" / "dbt_project" / "dbt_project.yml").is_file()
    assert (project / "package" / "src" / "taxi_pipeline" / "orchestration" / "tasks.py").is_file()
    copied = project / "tests" / "dags" / "test_dag_integrity.py"
    assert copied.read_text() == Path(__file__).read_text()
    env = {k: v for k, v in os.environ.items() if k not in ("AIRFLOW_HOME", NAMESPACES_ENV)}
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests"],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert " passed" in result.stdout and " failed" not in result.stdout
