"""The accuracy benchmark's bookkeeping: manifest checks, (file, trap) scoring, ruff's mapping.

Everything here is synthetic: a tiny manifest and DAG files the test writes itself; no network.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from benchmarks import check_accuracy
from benchmarks.check_accuracy import TRAPS, Entry, Tally, load_manifest, ruff_trap, score

CLOCK_DAG = """\
from datetime import datetime
from airflow import DAG
from airflow.operators.bash import BashOperator

month = datetime.now().strftime("%Y-%m")
with DAG("clock", start_date=datetime(2024, 1, 1), schedule="@monthly", catchup=False):
    BashOperator(task_id="get", bash_command=f"curl -O https://example.com/trips_{month}.csv")
"""
CLEAN_DAG = """\
from datetime import datetime
from airflow import DAG

with DAG("clean", start_date=datetime(2024, 1, 1), schedule=None, catchup=False):
    pass
"""


def labels(**present: str) -> dict[str, object]:
    return {trap: present.get(trap, False) for trap in TRAPS}


def write_manifest(folder: Path, files: list[dict[str, object]]) -> Path:
    path = folder / "manifest.json"
    path.write_text(json.dumps({"files": files}), encoding="utf-8")
    return path


def entry(path: str, split: str = "held-out", **present: str) -> dict[str, object]:
    return {
        "repo": "someone/dags",
        "commit": "0" * 40,
        "path": path,
        "committed": "2024-03-01",
        "split": split,
        "labels": labels(**present),
    }


def test_tally_counts_pairs_and_leaves_undefined_ratios_undefined() -> None:
    tally = Tally()
    for labelled, predicted in [(True, True), (True, False), (False, True), (False, False)]:
        tally.add(labelled, predicted)
    assert (tally.true_positive, tally.false_positive, tally.false_negative) == (1, 1, 1)
    assert tally.precision == tally.recall == 0.5
    assert Tally().precision is None
    assert Tally().recall is None


def test_score_is_per_trap_and_overall_over_file_trap_pairs() -> None:
    day = date(2024, 3, 1)
    first = Entry("a/b", "0" * 40, "one.py", day, "held-out", {"TP001": "now()", "TP002": "x"})
    second = Entry("a/b", "0" * 40, "two.py", day, "held-out", {})
    result = score([first, second], {first: {"TP001", "TP008"}, second: {"TP002"}})
    assert result.per_trap["TP001"].recall == 1.0
    assert result.per_trap["TP002"].precision == 0.0
    assert result.per_trap["TP002"].recall == 0.0
    overall = result.overall()
    assert (overall.true_positive, overall.false_positive, overall.false_negative) == (1, 2, 1)
    covered = result.overall(["TP001"])
    assert (covered.precision, covered.recall) == (1.0, 1.0)


def test_manifest_needs_every_trap_a_reason_and_one_commit_per_repository(tmp_path: Path) -> None:
    good = write_manifest(tmp_path, [entry("one.py", TP001="month from now()")])
    (loaded,) = load_manifest(good)
    assert loaded.present == {"TP001": "month from now()"}

    missing = entry("one.py")
    del missing["labels"]["TP009"]  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match=r"exactly TP001\.\.TP009"):
        load_manifest(write_manifest(tmp_path, [missing]))

    unexplained = entry("one.py")
    unexplained["labels"]["TP003"] = True  # type: ignore[index]
    with pytest.raises(ValueError, match="reason"):
        load_manifest(write_manifest(tmp_path, [unexplained]))

    undated = entry("one.py")
    del undated["committed"]
    with pytest.raises(ValueError, match="commit day"):
        load_manifest(write_manifest(tmp_path, [undated]))

    moved = entry("two.py")
    moved["commit"] = "1" * 40
    with pytest.raises(ValueError, match="another commit"):
        load_manifest(write_manifest(tmp_path, [entry("one.py"), moved]))


def test_ruff_codes_map_to_the_traps_they_stand_for() -> None:
    assert ruff_trap("DTZ005") == "TP001"
    assert ruff_trap("DTZ011") == "TP001"
    assert ruff_trap("DTZ001") is None  # a naive datetime(...) literal reads no clock
    assert ruff_trap("S105") == "TP005"
    assert ruff_trap("S108") == "TP008"
    assert ruff_trap("AIR301") == "TP007"
    assert ruff_trap("AIR002") is None
    assert ruff_trap("S101") is None


def test_the_benchmark_scores_checker_and_ruff_on_a_corpus_folder(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = tmp_path / "corpus" / "someone+dags"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "clock.py").write_text(CLOCK_DAG, encoding="utf-8")
    (checkout / "clean.py").write_text(CLEAN_DAG, encoding="utf-8")
    manifest = write_manifest(
        tmp_path,
        [
            entry("clock.py", TP001="month from datetime.now()"),
            entry("clean.py", split="development"),
        ],
    )
    code = check_accuracy.main(
        ["--corpus", str(tmp_path / "corpus"), "--manifest", str(manifest), "--json"]
    )
    assert code == 0
    figures = json.loads(capsys.readouterr().out)
    held_out = figures["held-out"]
    assert held_out["files"] == 1
    assert held_out["checker"]["TP001"]["recall"] == 1.0
    # ruff's DTZ005 fires on the naive now(); its DTZ001 on the naive start_date counts for no trap
    development = figures["development"]
    assert held_out["ruff"]["TP001"]["true_positive"] == 1
    assert development["ruff"]["all"]["false_positive"] == 0
    assert development["checker"]["all"]["false_positive"] == 0


RECENT_START_DAG = """\
from datetime import datetime
from airflow import DAG

with DAG("recent", start_date=datetime(2024, 2, 1), schedule="@monthly", catchup=True):
    pass
"""


def test_start_dates_are_judged_as_of_the_day_the_file_was_committed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    checkout = tmp_path / "corpus" / "someone+dags"
    (checkout / ".git").mkdir(parents=True)
    (checkout / "fresh.py").write_text(RECENT_START_DAG, encoding="utf-8")
    (checkout / "stale.py").write_text(RECENT_START_DAG, encoding="utf-8")
    fresh = entry("fresh.py")  # committed a month after start_date: one run when unpaused
    stale = entry("stale.py", TP002="catchup=True, monthly since 2024-02, committed 2024-12")
    stale["committed"] = "2024-12-01"
    manifest = write_manifest(tmp_path, [fresh, stale])
    check_accuracy.main(
        ["--corpus", str(tmp_path / "corpus"), "--manifest", str(manifest), "--json"]
    )
    catchup = json.loads(capsys.readouterr().out)["held-out"]["checker"]["TP002"]
    assert (catchup["true_positive"], catchup["false_positive"]) == (1, 0)
