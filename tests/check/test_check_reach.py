"""Project code a DAG reaches through its imports is checked and reported at the import."""

from __future__ import annotations

from pathlib import Path

from airflow_trap_check import check_paths

PROJECTS = Path(__file__).parent / "corpus" / "projects"


def test_each_site_an_import_reaches_is_its_own_finding_naming_file_line_and_task() -> None:
    dag = PROJECTS / "imported_helpers" / "dags" / "monthly_ingest.py"
    secrets = [f for f in check_paths([dag]).findings if f.code == "TP005"]
    assert {f.line for f in secrets} == {8}
    assert sorted(f.message.split(", where line ")[1].split(":")[0] for f in secrets) == [
        "10",
        "6",
    ]
    for finding in secrets:
        assert "imported `common.db` (used by task `store`) reaches dags/common/db.py" in (
            finding.message
        )


def test_a_package_reexporting_a_module_is_followed_into_it() -> None:
    dag = PROJECTS / "imported_helpers" / "dags" / "monthly_ingest.py"
    reached = {(f.code, f.line) for f in check_paths([dag]).findings}
    assert ("TP007", 9) in reached  # Variable.get at import of plugins/taxi_helpers/downloads.py
    assert ("TP008", 9) in reached


def test_a_plugins_folder_beside_a_nested_dags_folder_resolves() -> None:
    dag = PROJECTS / "nested_airflow_home" / "airflow" / "dags" / "upload.py"
    findings = check_paths([dag]).findings
    assert [f.code for f in findings] == ["TP008"]
    assert "airflow/plugins/gcs_helpers/__init__.py, where line 8" in findings[0].message


HOMEWORK = PROJECTS / "course_homework" / "dags"


def test_an_append_two_modules_away_names_the_path_to_it() -> None:
    findings = check_paths([HOMEWORK / "papers.py"]).findings
    messages = {f.line: f.message for f in findings if f.code == "TP003"}
    assert "task `load` calls `append_chunks()` (include/loaders.py), where line 18" in messages[17]
    assert (
        "`load_citations()` (plugins/citation_tasks.py, which calls into include/loaders.py)"
        in messages[26]
    )


def test_a_dag_built_by_a_factory_module_is_judged_with_the_arguments_it_is_given() -> None:
    (finding,) = check_paths([HOMEWORK / "yellow_ingest.py"]).findings
    assert finding.code == "TP002"
    assert "builds a DAG in dags/common/factory.py (line 12)" in finding.message
    assert "catchup=True with start_date 2019-01-01 and a monthly schedule" in finding.message
