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

# Outside an Airflow deployment, keep Airflow from creating ~/airflow (set before it is imported).
os.environ.setdefault("AIRFLOW_HOME", tempfile.mkdtemp(prefix="airflow-home-"))
os.environ.setdefault("AIRFLOW__CORE__LOAD_EXAMPLES", "False")

import pytest
from airflow.dag_processing.dagbag import DagBag
from airflow.sdk import CronDataIntervalTimetable
from airflow.sdk.exceptions import ParamValidationError


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
# One DAG per TLC service; green keeps the classic name.
SERVICE_DAGS = {"green": DAG_ID, "yellow": f"{DAG_ID}_yellow"}
# The example consumer of the pipeline's assets.
EXPORT_DAG_ID = "taxi_monthly_summary_export"
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


def test_each_service_has_its_own_dag_of_the_same_pipeline(dagbag, dag):
    assert sorted(dagbag.dags) == sorted([*SERVICE_DAGS.values(), EXPORT_DAG_ID])
    for service, dag_id in SERVICE_DAGS.items():
        other = dagbag.dags[dag_id]
        assert other.get_task("ingest_taxi_month").op_kwargs["service"] == service
        assert f"service:{service}" in other.tags
        assert other.timetable.expression == dag.timetable.expression
        assert (other.catchup, other.max_active_runs) == (dag.catchup, dag.max_active_runs)
        assert set(other.params) == set(dag.params) and sorted(other.task_ids) == sorted(TASKS)
        # One set of marts for every service: their dbt tasks queue on the same pool.
        assert {other.get_task(t).pool for t in DBT_TASKS} == {"dbt"}
    assert "`taxi_pipeline_yellow`" in dagbag.dags[SERVICE_DAGS["yellow"]].doc_md


def test_month_param_is_validated(dag):
    params = copy.deepcopy(dag.params)
    for good in (None, "2024-01", "2009-12"):
        params["month"] = good
        params.validate()
    for bad in ("2024-13", "2024-1", "January", "2024-01-01"):
        with pytest.raises(ParamValidationError):
            params["month"] = bad
            params.validate()


def test_each_month_publishes_its_raw_table_once_loaded_and_its_marts_once_tested(dag):
    outlets = {task.task_id: [asset.name for asset in task.outlets] for task in dag.tasks}
    assert outlets == {
        "ingest_taxi_month": [f"{DAG_ID}/raw_trips"],
        "dbt_run": [],
        "dbt_test": [f"{DAG_ID}/fct_trips", f"{DAG_ID}/mart_monthly_summary"],
    }


def test_the_example_consumer_runs_on_the_monthly_summary_asset(dagbag):
    export = dagbag.dags[EXPORT_DAG_ID]
    (asset,) = export.timetable.asset_condition.objects
    assert asset.name == f"{DAG_ID}/mart_monthly_summary"
    assert export.task_ids == ["export_monthly_summary"]
    assert export.catchup is False
    assert export.doc_md and asset.name in export.doc_md


def test_no_secrets_or_host_paths_in_dag_files():
    for path in DAGS_FOLDER.rglob("*.py"):
        text = path.read_text()
        for what, pattern in FORBIDDEN.items():
            match = pattern.search(text)
            assert not match, f"{path.name} contains {what}: {match.group(0)!r}"


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
    assert sorted(bag.dags) == sorted(
        f"{prefix}{dag_id}"
        for prefix in ("", "alice__", "bob__")
        for dag_id in (*SERVICE_DAGS.values(), EXPORT_DAG_ID)
    )
    plain = bag.dags[DAG_ID]
    assert not [tag for tag in plain.tags if tag.startswith("ns:")]
    for ns in ("alice", "bob"):
        dag = bag.dags[f"{ns}__taxi_pipeline"]
        assert f"ns:{ns}" in dag.tags and {"taxi", "dbt"} <= set(dag.tags)
        assert sorted(dag.task_ids) == sorted(TASKS)
        assert f"`{ns}_raw`" in dag.doc_md and f"`dbt__{ns}`" in dag.doc_md
        # Its consumer waits for its own marts, not another namespace's.
        (asset,) = bag.dags[f"{ns}__{EXPORT_DAG_ID}"].timetable.asset_condition.objects
        assert asset.name == f"{ns}__{DAG_ID}/mart_monthly_summary"
        assert {a.name for a in dag.get_task("dbt_test").outlets} >= {asset.name}
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
    # Every DAG file reads the list: each reports it.
    errors = bag.import_errors
    assert set(errors) == {str(path) for path in DAGS_FOLDER.glob("*.py")}, errors
    for error in errors.values():
        assert message in error and NAMESPACES_ENV in error


def test_the_configured_namespaces_all_load():
    """This deployment's own TAXI_NAMESPACES (unset: the plain DAG) gives one DAG per name."""
    from taxi_pipeline.orchestration.namespaces import configured_namespaces

    expected = sorted(
        ns.prefixed(dag_id)
        for ns in configured_namespaces()
        for dag_id in (*SERVICE_DAGS.values(), EXPORT_DAG_ID)
    )
    bag = load_dagbag(DAGS_FOLDER)
    assert not bag.import_errors, bag.import_errors
    assert sorted(bag.dags) == expected
