"""Focused checks of the pieces each rule relies on, beyond what the corpus shows."""

from __future__ import annotations

import ast
import textwrap
from datetime import date, timedelta
from pathlib import Path

import pytest
from airflow_trap_check import Options, check_paths
from airflow_trap_check import sql as sql_text
from airflow_trap_check.dags import AirflowModel
from airflow_trap_check.parsing import parse
from airflow_trap_check.rules.credentials import is_secret_name
from airflow_trap_check.rules.schedules import cron_interval

REPO = Path(__file__).resolve().parents[2]


def findings(tmp_path: Path, source: str, name: str = "dag.py") -> set[tuple[str, int]]:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "RUNBOOK.md").write_text("# Runbook\n")
    path = tmp_path / name
    path.write_text(textwrap.dedent(source))
    result = check_paths([path])
    assert result.errors == []
    return {(f.code, f.line) for f in result.findings}


def model(source: str) -> AirflowModel:
    data = textwrap.dedent(source).encode()
    src, error = parse(Path("dag.py"), data)
    assert error is None and src is not None
    return AirflowModel(src)


@pytest.mark.parametrize(
    ("expression", "interval"),
    [
        ("0 6 * * *", timedelta(days=1)),
        ("*/15 * * * *", timedelta(minutes=15)),
        ("0 * * * *", timedelta(hours=1)),
        ("0 */6 * * *", timedelta(hours=6)),
        ("0 0 * * 1", timedelta(days=7)),
        ("0 6 2 * *", timedelta(days=30)),
        ("0 0 1 1 *", timedelta(days=365)),
        # a range or step over a whole field is the same as "*"
        ("0 8 2 1-12 *", timedelta(days=30)),
        ("0 6 * * 0-6", timedelta(days=1)),
        ("0 0 1,15 * *", timedelta(days=15)),
        ("0 0 1 */3 *", timedelta(days=365 / 4)),
        ("0 0 * * MON,WED", timedelta(days=3.5)),
    ],
)
def test_cron_interval(expression, interval):
    assert cron_interval(expression) == interval


@pytest.mark.parametrize(
    ("source", "major"),
    [
        ("from airflow.sdk import dag\n@dag()\ndef d(): pass\n", 3),
        ("from airflow import DAG\nDAG('x', schedule_interval='@daily')\n", 2),
        ("from airflow import DAG\nfrom airflow.operators.bash import BashOperator\nDAG('x')\n", 2),
        ("from airflow import DAG\nDAG('x', schedule='@daily')\n", 3),
        (
            "from airflow import DAG\n"
            "from airflow.providers.standard.operators.bash import BashOperator\n"
            "DAG('x')\n",
            3,
        ),
        ("from airflow import DAG\nDAG('x')\n", 2),
    ],
)
def test_airflow_version_from_imports_and_arguments(source, major):
    assert model(source).airflow_major == major


@pytest.mark.parametrize(
    "source",
    [
        "import airflow\nwith airflow.DAG('x') as d: pass\n",
        "from airflow import models\nwith models.DAG('x') as d: pass\n",
        "from airflow.models.dag import DAG as AirflowDAG\nd = AirflowDAG('x')\n",
        "from airflow.decorators import dag as make_dag\n@make_dag(schedule=None)\ndef d(): pass\n",
        "from cosmos import DbtDag\nd = DbtDag(dag_id='x')\n",
    ],
)
def test_dag_definitions_in_several_import_styles(source):
    assert len(model(source).dags) == 1


def test_tasks_find_their_dag_and_default_args():
    m = model(
        """
        from airflow import DAG
        from airflow.operators.bash import BashOperator
        from airflow.utils.task_group import TaskGroup
        ARGS = {"retries": 2, "pool": "a"}
        with DAG("one", default_args=ARGS) as one:
            with TaskGroup("g", default_args={"pool": "b"}):
                BashOperator(task_id="t", bash_command="x")
        two = DAG("two")
        BashOperator(task_id="u", bash_command="y", dag=two, retries=1)
        """
    )
    t, u = m.tasks
    assert (t.dag.kwargs["dag_id"].value, u.dag.kwargs["dag_id"].value) == ("one", "two")
    assert m.src.constant(m.task_setting(t, "pool")) == "b"
    assert m.src.constant(m.task_setting(t, "retries")) == 2
    assert m.src.constant(m.task_setting(u, "retries")) == 1


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("password", True),
        ("PGPASSWORD", True),
        ("db_pass", True),
        ("api_key", True),
        ("aws_secret_access_key", True),
        ("refreshToken", True),
        ("client_secret", True),
        ("password_env", False),
        ("token_url", False),
        ("secret_name", False),
        ("aws_access_key_id", False),
        ("max_tokens", False),
        ("passenger_count", False),
        ("password_key", False),
    ],
)
def test_secret_names(name, secret):
    assert is_secret_name(name) is secret


@pytest.mark.parametrize(
    ("statement", "kind", "table"),
    [
        ("INSERT INTO raw.trips SELECT * FROM s", "append", "trips"),
        ("insert into t values (%s) on conflict (id) do nothing", "upsert", "t"),
        ("INSERT INTO t SELECT * FROM s WHERE NOT EXISTS (SELECT 1 FROM t)", "upsert", "t"),
        ("DELETE FROM t WHERE month = %(m)s", "scoped_delete", "t"),
        ("DELETE FROM t WHERE day = '{{ ds }}'", "scoped_delete", "t"),
        ("DELETE FROM t", "replace", "t"),
        ("DELETE FROM t WHERE status = 'old'", "other", "t"),
        ("TRUNCATE TABLE s.t", "replace", "t"),
        ("MERGE INTO t USING s ON t.id = s.id WHEN MATCHED THEN UPDATE SET a = 1", "merge", "t"),
        ("COPY t FROM STDIN WITH CSV", "append", "t"),
        ("COPY INTO t FROM @stage", "upsert", "t"),
        ("COPY INTO t FROM @stage FILE_FORMAT = (TYPE = CSV) FORCE = TRUE", "append", "t"),
        ("COPY INTO t FROM @s COPY_OPTIONS ('force' = 'true')", "append", "t"),
        ("COPY INTO @stage FROM t", "other", "@stage"),
        ("INSERT OVERWRITE TABLE t PARTITION (ds='{{ ds }}') SELECT 1", "partition", None),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", "append", "t"),
        ("-- load\nINSERT INTO t VALUES (1)", "append", "t"),
    ],
)
def test_sql_statement_kinds(statement, kind, table):
    (parsed,) = sql_text.statements(statement)
    assert (parsed.kind, parsed.table) == (kind, table)


def test_newer_python_syntax_is_not_a_parse_failure_and_the_rest_is_still_checked(tmp_path):
    found = findings(
        tmp_path,
        """\
        from airflow.sdk import dag, task
        OUT = "/tmp/out.csv"
        @dag(schedule=None)
        def d():
            @task
            def t(conf):
                return f"{conf["name"]}"
            t({})
        d()
        """,
    )
    assert found == {("TP008", 2)}


def test_files_that_never_mention_airflow_are_not_checked(tmp_path):
    assert findings(tmp_path, 'PATH = "/tmp/x.csv"\npassword = "hunter22"\n') == set()


def test_clock_through_helpers_and_arithmetic_but_not_durations(tmp_path):
    found = findings(
        tmp_path,
        """\
        import time
        from datetime import datetime, timedelta
        from airflow.decorators import task

        def yesterday():
            return (datetime.now() - timedelta(days=1)).strftime("%Y-%m-%d")

        def path_for(day):
            return f"exports/{day}.csv"

        @task
        def export(frame):
            started = time.time()
            frame.to_csv(path_for(yesterday()))
            duration = time.time() - started
            frame.to_csv(f"metrics/{duration}.csv")
        """,
    )
    assert found == {("TP001", 6)}


def test_replace_is_fine_for_a_staging_table_read_back_in_the_same_task(tmp_path):
    found = findings(
        tmp_path,
        """\
        from airflow.decorators import task

        @task
        def load(frame, engine, ds=None):
            frame.to_sql("month_batch", engine, if_exists="replace")
            engine.execute(
                "INSERT INTO trips SELECT * FROM month_batch ON CONFLICT (trip_id) DO NOTHING"
            )
        """,
    )
    assert found == set()


def test_sql_read_from_a_file_next_to_the_dag(tmp_path):
    (tmp_path / "sql").mkdir()
    (tmp_path / "sql" / "load.sql").write_text("INSERT INTO facts SELECT * FROM staging_facts;\n")
    found = findings(
        tmp_path,
        """\
        from airflow.providers.common.sql.operators.sql import SQLExecuteQueryOperator
        SQLExecuteQueryOperator(task_id="load", conn_id="dw", sql="sql/load.sql")
        """,
    )
    assert found == {("TP003", 2)}


def test_pool_size_from_a_project_script(tmp_path):
    (tmp_path / "setup.sh").write_text("airflow pools set dbt 2 'dbt'\n")
    source = """\
        from airflow.sdk import DAG
        from airflow.providers.standard.operators.bash import BashOperator
        with DAG("d", schedule=None):
            BashOperator(task_id="b", bash_command="dbt build", pool="dbt")
        """
    assert findings(tmp_path, source) == {("TP006", 4)}
    (tmp_path / "setup.sh").write_text("airflow pools set dbt 1 'dbt'\n")
    assert findings(tmp_path, source) == set()


def test_check_paths_api_with_options(tmp_path):
    (tmp_path / "dag.py").write_text(
        "from airflow import DAG\nwith DAG('x', schedule_interval=None) as d:\n    p = '/tmp/a'\n"
    )
    everything = check_paths([tmp_path], Options(isolated=True))
    assert {f.code for f in everything.findings} == {"TP008", "TP010"}
    only = check_paths([tmp_path], Options(select=["TP010"], isolated=True))
    assert {f.code for f in only.findings} == {"TP010"}


def test_every_rule_module_is_parseable_by_itself():
    package = REPO / "packages" / "airflow-trap-check" / "src" / "airflow_trap_check"
    for path in package.rglob("*.py"):
        ast.parse(path.read_text(), filename=str(path))


HTTP_RETRIED = """\
    import requests
    from airflow.decorators import dag, task

    @dag(schedule=None, catchup=False, max_active_runs=1, default_args={"retries": 2})
    def d():
        @task
        def download():
            requests.get("https://example.org/f.parquet", timeout=9).raise_for_status()

        download()
    """


@pytest.mark.parametrize(
    ("select", "reported"),
    [(None, False), (["TP"], False), (["TP01"], False), (["TP011"], True), (["ALL"], True)],
)
def test_http_error_advice_is_off_unless_chosen_by_code_or_all(tmp_path, select, reported):
    (tmp_path / "RUNBOOK.md").write_text("# Runbook\n")
    (tmp_path / "dag.py").write_text(textwrap.dedent(HTTP_RETRIED))
    result = check_paths([tmp_path], Options(select=select, isolated=True))
    assert ("TP011" in {f.code for f in result.findings}) is reported


def test_an_undeclared_import_is_only_reported_when_the_project_declares_requirements(tmp_path):
    source = "from airflow import DAG\nimport great_expectations\n"
    assert findings(tmp_path, source) == set()  # nothing is known about what is installed
    (tmp_path / "requirements.txt").write_text("great-expectations==1.0\n")
    assert findings(tmp_path, source) == set()
    (tmp_path / "requirements.txt").write_text("pandas\n")
    assert findings(tmp_path, source) == {("TP007", 2)}


def test_an_import_name_is_matched_to_its_differently_named_distribution(tmp_path):
    source = "from airflow import DAG\nfrom github import Github\n"
    (tmp_path / "requirements.txt").write_text("PyGithub==2.1\n")
    assert findings(tmp_path, source) == set()
    (tmp_path / "requirements.txt").write_text("pandas\n")
    assert findings(tmp_path, source) == {("TP007", 2)}


ALERTS_LOAD = """\
from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine


def load():
    engine = create_engine("postgresql://warehouse")
    frame = pd.DataFrame({{"alert": ["storm"]}})
    frame.to_sql("{table}", engine, if_exists="append", index=False)


with DAG("alerts", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    PythonOperator(task_id="load", python_callable=load)
"""


@pytest.mark.parametrize(
    ("table", "reported"),
    [
        ("storm_alerts", True),  # data the pipeline loads: an alert re-appended on every retry
        ("pipeline_alerts", False),  # a record of each try, like a log table
        ("dq_alerts", False),
        ("etl_alerts", False),
        ("marts.data_quality_report", False),  # one quality report row per try
        ("storm_report", True),
    ],
)
def test_only_alerts_about_the_pipeline_are_records_of_each_try(tmp_path, table, reported):
    found = findings(tmp_path, ALERTS_LOAD.format(table=table))
    assert (("TP003", 12) in found) is reported


ANTI_JOIN_LOAD = """\
from datetime import datetime

import pandas as pd
from airflow import DAG
from airflow.operators.python import PythonOperator
from sqlalchemy import create_engine


def load(table):
    engine = create_engine("postgresql://warehouse")
    frame = pd.read_csv(f"data/{{table}}.csv")
    stored = pd.read_sql(f"SELECT * FROM {{table}}", engine)
    {compare}
    fresh.to_sql(table, engine, if_exists="append", index=False)


with DAG("anti_join", start_date=datetime(2024, 1, 1), schedule="@daily", catchup=False):
    for name in ("orders", "customers"):
        PythonOperator(task_id=f"load_{{name}}", python_callable=load, op_args=[name])
"""


@pytest.mark.parametrize(
    ("compare", "reported"),
    [
        ('fresh = frame[~frame["id"].isin(stored["id"])]', False),
        ('fresh = frame.merge(stored, on="id", how="left", indicator=True)', False),
        ("fresh = frame[[key not in set(stored.id) for key in frame.id]]", False),
        ("fresh = frame.head(len(stored))", True),  # reads the target but skips nothing
    ],
)
def test_an_append_of_only_the_rows_missing_from_its_target_is_not_reported(
    tmp_path, compare, reported
):
    found = findings(tmp_path, ANTI_JOIN_LOAD.format(compare=compare))
    assert (("TP003", 14) in found) is reported


AIRFLOW2 = REPO / "tests" / "check" / "corpus" / "projects" / "airflow2_compose" / "dags"


def test_airflow1_plugin_class_paths_fail_where_the_project_deploys_airflow2() -> None:
    result = check_paths([AIRFLOW2 / "plugin_classes.py", AIRFLOW2 / "operator_modules.py"])
    (finding,) = [f for f in result.findings if f.code == "TP007"]
    assert finding.path.endswith("plugin_classes.py") and finding.line == 6
    assert "Airflow 1 path of a plugin's class" in finding.message
    assert "Airflow 2" in finding.message


def test_calling_an_imported_module_at_parse_is_reported_and_its_date_still_read() -> None:
    result = check_paths([AIRFLOW2 / "module_as_class.py", AIRFLOW2 / "module_attribute.py"])
    got = {(Path(f.path).name, f.code, f.line) for f in result.findings}
    # datetime(2020, 1, 1) meant the class: catchup from 2020 on a monthly cron is TP002 too
    assert got == {("module_as_class.py", "TP007", 12), ("module_as_class.py", "TP002", 15)}
    message = next(f.message for f in result.findings if f.code == "TP007")
    assert "`datetime` is the module `datetime`" in message


HOURLY_FROM_THE_COMMIT_DAY = """\
    from datetime import datetime

    from airflow import DAG

    with DAG("hourly", start_date=datetime(2023, 2, 2), schedule_interval="0 * * * *"):
        pass
"""


def test_a_start_date_of_the_reference_day_itself_is_not_history(tmp_path: Path) -> None:
    path = tmp_path / "hourly.py"
    path.write_text(textwrap.dedent(HOURLY_FROM_THE_COMMIT_DAY))
    (tmp_path / "RUNBOOK.md").write_text("# Runbook\n")

    def codes(day: date) -> set[str]:
        options = Options(reference_date=day, select=["TP002"])
        return {f.code for f in check_paths([path], options).findings}

    assert codes(date(2023, 2, 2)) == set()  # written that day: the time of day is unknown
    assert codes(date(2023, 2, 3)) == {"TP002"}  # a day later: a day of hourly runs
