"""Every corpus DAG produces exactly the findings its ``# expect:`` header declares."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from airflow_trap_check import RULES, check_paths

CORPUS = Path(__file__).parent / "corpus"
FILES = sorted(CORPUS.rglob("*.py"))
_HEADER = re.compile(r"^# expect: (?P<body>.+)$")


def expected(path: Path) -> set[tuple[str, int]]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    match = _HEADER.match(first)
    assert match, f"{path.name}: first line must be '# expect: TP001@12, ...' or '# expect: none'"
    body = match.group("body").strip()
    if body == "none":
        return set()
    pairs = set()
    for item in body.split(","):
        code, line = item.strip().split("@")
        pairs.add((code, int(line)))
    return pairs


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.relative_to(CORPUS).as_posix())
def test_corpus_file_has_exactly_its_expected_findings(path: Path) -> None:
    result = check_paths([path])
    assert result.errors == []
    actual = {(f.code, f.line) for f in result.findings}
    assert actual == expected(path)
    for finding in result.findings:
        assert finding.column >= 1
        assert finding.message and "\n" not in finding.message
        assert finding.hint


def test_corpus_is_large_and_covers_every_rule_several_times() -> None:
    assert len(FILES) >= 40
    files_per_code: dict[str, int] = {}
    for path in FILES:
        for code in {code for code, _ in expected(path)}:
            files_per_code[code] = files_per_code.get(code, 0) + 1
    assert set(files_per_code) == {rule.code for rule in RULES}
    assert all(count >= 2 for count in files_per_code.values()), files_per_code
    clean = [path for path in FILES if not expected(path)]
    assert len(clean) >= 10


def test_checking_the_whole_corpus_at_once_matches_the_files_one_by_one() -> None:
    result = check_paths([CORPUS])
    assert result.files == len(FILES)
    actual = {(Path(f.path).name, f.code, f.line) for f in result.findings}
    wanted = {(path.name, code, line) for path in FILES for code, line in expected(path)}
    assert actual == wanted


PROJECT_DAGS = Path(__file__).resolve().parents[2] / "dags"


@pytest.mark.skipif(not PROJECT_DAGS.is_dir(), reason="the project has no dags folder yet")
def test_the_projects_own_dags_are_clean() -> None:
    result = check_paths([PROJECT_DAGS])
    assert result.errors == []
    assert [f"{f.path}:{f.line} {f.code} {f.message}" for f in result.findings] == []
