"""The command line: exit codes, output formats, noqa, select/ignore and pyproject config."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from airflow_trap_check.cli import main

CLEAN_DAG = textwrap.dedent(
    """\
    import pendulum
    from airflow.sdk import dag, task


    @dag(schedule="@daily", start_date=pendulum.datetime(2024, 1, 1), catchup=False)
    def clean():
        @task
        def hello(data_interval_start=None):
            return str(data_interval_start)

        hello()


    clean()
    """
)

TRAPS_DAG = textwrap.dedent(
    """\
    from datetime import datetime

    from airflow import DAG
    from airflow.operators.bash import BashOperator

    with DAG("traps", start_date=datetime(2024, 1, 1), schedule_interval=None) as dag:
        BashOperator(task_id="a", bash_command="ls /tmp/in", retries=5)
        BashOperator(task_id="b", bash_command="ls /tmp/out")
    """
)


def project(tmp_path: Path, files: dict[str, str]) -> Path:
    (tmp_path / "pyproject.toml").write_text('[project]\nname = "x"\n')
    (tmp_path / "RUNBOOK.md").write_text("# Runbook\n")
    for name, text in files.items():
        target = tmp_path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)
    return tmp_path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def test_exit_0_when_clean(tmp_path, capsys):
    root = project(tmp_path, {"dags/clean.py": CLEAN_DAG})
    code, out, _ = run([str(root / "dags")], capsys)
    assert code == 0
    assert "All checks passed (1 file(s))." in out


def test_exit_1_with_findings_and_text_report(tmp_path, capsys):
    root = project(tmp_path, {"traps.py": TRAPS_DAG})
    code, out, _ = run([str(root / "traps.py")], capsys)
    assert code == 1
    assert ":7:" in out and "TP009" in out and "TP008" in out
    assert "    hint: " in out
    assert "Found 3 problems (TP008 x2, TP009 x1) in 1 of 1 file(s)." in out


@pytest.mark.parametrize(
    "args",
    [
        [],
        ["--no-such-option", "."],
        ["--format", "xml", "."],
        ["--select", "TP999", "."],
        ["--ignore", "XY", "."],
        ["does/not/exist.py"],
        ["--config", "missing.toml", "."],
        ["--reference-date", "2024-13-01", "."],
    ],
)
def test_exit_2_on_usage_errors(args, tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code, _, err = run(args, capsys)
    assert code == 2
    assert "usage: airflow-trap-check" in err


CATCHUP_DAG = textwrap.dedent(
    """\
    from datetime import datetime

    from airflow import DAG

    with DAG("history", start_date=datetime(2022, 1, 1), schedule="@monthly", catchup=True):
        pass
    """
)


def test_reference_date_judges_the_start_date_as_of_that_day(tmp_path, capsys):
    root = project(tmp_path, {"dags/history.py": CATCHUP_DAG})
    dags = str(root / "dags")
    code, out, _ = run([dags], capsys)  # today: years of monthly runs
    assert code == 1 and "TP002" in out
    # the day the file was written, a month after its start date: unpausing runs one month
    assert run(["--reference-date", "2022-02-15", dags], capsys)[0] == 0
    code, out, _ = run(["--reference-date", "2022-06-15", dags], capsys)
    assert code == 1 and "about 5 runs at once" in out


FIVE_MINUTE_DAG = textwrap.dedent(
    """\
    from datetime import datetime

    from airflow import DAG

    with DAG("ticker", start_date=datetime(2024, 5, 31, 0, 48), schedule_interval="*/5 * * * *"):
        pass
    """
)


def test_a_reference_date_counts_the_runs_missed_by_the_end_of_that_day(tmp_path, capsys):
    root = project(tmp_path, {"dags/ticker.py": FIVE_MINUTE_DAG})
    dags = str(root / "dags")
    # an Airflow 2 DAG (catchup on) written the day it starts: by that evening it has missed
    # the rest of that day in 5-minute runs (start dates are read to the minute)
    code, out, _ = run(["--reference-date", "2024-05-31", "--select", "TP002", dags], capsys)
    assert code == 1 and "about 278 runs at once" in out
    assert run(["--reference-date", "2024-05-30", "--select", "TP002", dags], capsys)[0] == 0


def test_help_exits_0(capsys):
    code, out, _ = run(["--help"], capsys)
    assert code == 0
    assert "airflow-trap-check" in out


def test_list_rules(capsys):
    code, out, _ = run(["--list-rules"], capsys)
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [f"TP{n:03d}" for n in range(1, 12)]


def test_json_output_is_a_list_of_findings(tmp_path, capsys):
    root = project(tmp_path, {"traps.py": TRAPS_DAG})
    code, out, _ = run(["--format", "json", str(root / "traps.py")], capsys)
    assert code == 1
    findings = json.loads(out)
    assert isinstance(findings, list) and len(findings) == 3
    for finding in findings:
        assert set(finding) == {"path", "line", "column", "code", "message", "hint"}
        assert isinstance(finding["line"], int) and isinstance(finding["column"], int)
        assert finding["path"].endswith("traps.py")
    assert [f["code"] for f in findings] == ["TP008", "TP009", "TP008"]


def test_json_output_when_clean_is_an_empty_list(tmp_path, capsys):
    root = project(tmp_path, {"clean.py": CLEAN_DAG})
    code, out, _ = run(["--format", "json", str(root)], capsys)
    assert (code, json.loads(out)) == (0, [])


def test_sarif_output_is_well_formed(tmp_path, capsys, monkeypatch):
    root = project(tmp_path, {"dags/traps.py": TRAPS_DAG})
    monkeypatch.chdir(root)
    code, out, _ = run(["--format", "sarif", "dags"], capsys)
    assert code == 1
    document = json.loads(out)
    assert document["version"] == "2.1.0"
    assert document["$schema"].endswith("sarif-2.1.0.json")
    (run_,) = document["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "airflow-trap-check"
    rule_ids = [rule["id"] for rule in driver["rules"]]
    assert rule_ids == [f"TP{n:03d}" for n in range(1, 12)]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"] and rule["help"]["text"]
    assert len(run_["results"]) == 3
    for result in run_["results"]:
        assert rule_ids[result["ruleIndex"]] == result["ruleId"]
        assert result["level"] in {"note", "warning", "error"}
        assert result["message"]["text"]
        (location,) = result["locations"]
        physical = location["physicalLocation"]
        assert physical["artifactLocation"]["uri"] == "dags/traps.py"
        assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
        assert physical["region"]["startLine"] >= 1
        assert physical["region"]["startColumn"] >= 1


def test_sarif_with_no_findings_still_lists_the_rules(tmp_path, capsys):
    root = project(tmp_path, {"clean.py": CLEAN_DAG})
    code, out, _ = run(["--format", "sarif", str(root)], capsys)
    document = json.loads(out)
    assert code == 0
    assert document["runs"][0]["results"] == []
    assert len(document["runs"][0]["tool"]["driver"]["rules"]) == 11


def test_output_option_writes_the_report_to_a_file(tmp_path, capsys):
    root = project(tmp_path, {"traps.py": TRAPS_DAG})
    target = tmp_path / "report.json"
    code, out, _ = run(["--format", "json", "-o", str(target), str(root / "traps.py")], capsys)
    assert code == 1 and out == ""
    assert len(json.loads(target.read_text())) == 3


def test_noqa_with_code_bare_and_other_codes(tmp_path, capsys):
    source = TRAPS_DAG.replace(
        'bash_command="ls /tmp/in", retries=5)',
        'bash_command="ls /tmp/in", retries=5)  # noqa: TP008',
    ).replace('bash_command="ls /tmp/out")', 'bash_command="ls /tmp/out")  # noqa')
    root = project(tmp_path, {"traps.py": source})
    code, out, _ = run(["--format", "json", str(root)], capsys)
    assert code == 1
    assert [(f["code"], f["line"]) for f in json.loads(out)] == [("TP009", 7)]

    other = TRAPS_DAG.replace(
        'bash_command="ls /tmp/out")', 'bash_command="ls /tmp/out")  # noqa: E501'
    )
    (root / "traps.py").write_text(other)
    code, out, _ = run(["--format", "json", str(root)], capsys)
    assert ("TP008", 8) in [(f["code"], f["line"]) for f in json.loads(out)]


def test_noqa_on_last_line_of_a_multiline_string(tmp_path, capsys):
    source = TRAPS_DAG.replace(
        'bash_command="ls /tmp/out")',
        'bash_command="""\n        ls /tmp/out\n        """,  # noqa: TP008\n    )',
    )
    root = project(tmp_path, {"traps.py": source})
    _, out, _ = run(["--format", "json", "--select", "TP008", str(root)], capsys)
    assert [(f["code"], f["line"]) for f in json.loads(out)] == [("TP008", 7)]


def test_select_and_ignore(tmp_path, capsys):
    root = project(tmp_path, {"traps.py": TRAPS_DAG})
    _, out, _ = run(["--format", "json", "--select", "TP009", str(root)], capsys)
    assert {f["code"] for f in json.loads(out)} == {"TP009"}
    _, out, _ = run(["--format", "json", "--ignore", "TP008", str(root)], capsys)
    assert {f["code"] for f in json.loads(out)} == {"TP009"}
    code, out, _ = run(
        ["--format", "json", "--select", "TP00", "--ignore", "TP008,TP009", str(root)], capsys
    )
    assert (code, json.loads(out)) == (0, [])
    _, out, _ = run(["--format", "json", "--select", "tp008", str(root)], capsys)
    assert {f["code"] for f in json.loads(out)} == {"TP008"}


def test_pyproject_configuration_is_found_by_walking_up(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(
        textwrap.dedent(
            """\
            [project]
            name = "x"

            [tool.airflow-trap-check]
            ignore = ["TP009"]
            exclude = ["dags/legacy"]
            runbook-name = "OPS.md"
            """
        )
    )
    (tmp_path / "dags" / "legacy").mkdir(parents=True)
    (tmp_path / "dags" / "team").mkdir(parents=True)
    (tmp_path / "dags" / "legacy" / "old.py").write_text(TRAPS_DAG)
    (tmp_path / "dags" / "team" / "traps.py").write_text(TRAPS_DAG)
    (tmp_path / "dags" / "team" / "RUNBOOK.md").write_text("wrong name\n")
    code, out, _ = run(["--format", "json", str(tmp_path / "dags" / "team")], capsys)
    found = json.loads(out)
    assert code == 1
    assert {f["code"] for f in found} == {"TP008", "TP010"}
    assert all("legacy" not in f["path"] for f in found)
    assert "no OPS.md" in next(f["message"] for f in found if f["code"] == "TP010")

    (tmp_path / "dags" / "team" / "OPS.md").write_text("# Ops\n")
    _, out, _ = run(["--format", "json", "--select", "TP010", str(tmp_path / "dags")], capsys)
    assert json.loads(out) == []

    # the command line wins over the file for select, and adds to it for ignore/exclude
    _, out, _ = run(["--format", "json", "--select", "TP009", str(tmp_path / "dags")], capsys)
    assert {f["code"] for f in json.loads(out)} == set()
    _, out, _ = run(["--format", "json", "--isolated", str(tmp_path / "dags" / "legacy")], capsys)
    assert {f["code"] for f in json.loads(out)} >= {"TP008", "TP009", "TP010"}


@pytest.mark.parametrize(
    "section",
    [
        "unknown-key = 1",
        'select = ["TP999"]',
        'ignore = "TP001", 3',
        'runbook-name = ""',
        "select = 5",
    ],
)
def test_bad_configuration_is_a_usage_error(section, tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text(f"[tool.airflow-trap-check]\n{section}\n")
    (tmp_path / "dag.py").write_text(CLEAN_DAG)
    code, _, err = run([str(tmp_path)], capsys)
    assert code == 2
    assert "pyproject.toml" in err or "TOML" in err


def test_the_older_section_name_is_still_read(tmp_path, capsys):
    (tmp_path / "pyproject.toml").write_text('[tool.taxi-pipeline.check]\nignore = ["TP008"]\n')
    (tmp_path / "traps.py").write_text(TRAPS_DAG)
    code, out, _ = run(["--format", "json", str(tmp_path)], capsys)
    assert code == 1
    assert "TP008" not in {f["code"] for f in json.loads(out)}


def test_exclude_from_the_command_line(tmp_path, capsys, monkeypatch):
    root = project(tmp_path, {"dags/a.py": TRAPS_DAG, "dags/b.py": CLEAN_DAG})
    monkeypatch.chdir(root)
    code, out, _ = run(["--exclude", "dags/a.py", "dags"], capsys)
    assert code == 0
    assert "All checks passed (1 file(s))." in out


def test_a_file_that_does_not_parse_is_tp007(tmp_path, capsys):
    root = project(
        tmp_path, {"broken.py": "from airflow import DAG\nwith DAG('x') as dag\n    pass\n"}
    )
    code, out, _ = run(["--format", "json", str(root)], capsys)
    (finding,) = json.loads(out)
    assert code == 1
    assert (finding["code"], finding["line"]) == ("TP007", 2)
    assert "does not parse" in finding["message"]


def test_python_dash_m_entry_point(tmp_path):
    root = project(tmp_path, {"traps.py": TRAPS_DAG})
    completed = subprocess.run(
        [sys.executable, "-m", "airflow_trap_check", "--format", "json", str(root)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 1
    assert len(json.loads(completed.stdout)) == 3


def test_taxi_pipeline_check_hands_over_to_the_checker_under_its_own_name(tmp_path, capsys):
    from taxi_pipeline.cli.main import main as taxi_pipeline

    root = project(tmp_path, {"traps.py": TRAPS_DAG})
    assert taxi_pipeline(["check", "--format", "json", str(root)]) == 1
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert taxi_pipeline(["check", "--no-such-flag"]) == 2
    assert "usage: taxi-pipeline check" in capsys.readouterr().err
