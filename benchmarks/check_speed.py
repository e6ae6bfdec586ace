"""How fast ``taxi-pipeline check`` gets through a large DAG folder.

Generates realistic DAG files (variants of the checker's test corpus: renamed DAG ids, shifted
line numbers, other dates and tables, spread over team folders with and without a runbook) into
a temporary directory, checks them in-process, and prints files per second beside the same-run
baseline no AST checker can beat: reading and parsing the same files with ``ast.parse``.

    python benchmarks/check_speed.py            # 1,000 files
    python benchmarks/check_speed.py --files 5000 --repeat 3
"""

from __future__ import annotations

import argparse
import ast
import random
import re
import shutil
import tempfile
import time
from pathlib import Path

from airflow_trap_check import check_paths

CORPUS = Path(__file__).resolve().parent.parent / "tests" / "check" / "corpus"
_YEAR = re.compile(r"\b20(1\d|2[0-4])\b")


def sources() -> list[str]:
    texts = []
    for path in sorted(CORPUS.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        try:
            compile(text, str(path), "exec", dont_inherit=True)
        except SyntaxError:
            continue  # one deliberately broken file would be 1/50 of the folder; too many
        texts.append(text)
    return texts


def variant(text: str, number: int, rng: random.Random) -> str:
    """Same shape as a real DAG, different enough that nothing can be cached by content."""
    text = text.replace("tp0", f"team{number % 37}_tp0").replace("realworld_", f"rw{number}_")
    text = _YEAR.sub(lambda m: str(2015 + rng.randrange(10)), text)
    text = text.replace("trips", rng.choice(["trips", "rides", "fares", "zones_daily"]))
    note = "# owner note {}: keep in sync with the ingest runbook\n"
    padding = "".join(note.format(i) for i in range(rng.randrange(6)))
    helper = (
        f"\n\ndef _helper_{number}(rows):\n"
        f"    return [r for r in rows if r is not None][: {rng.randrange(10, 100)}]\n"
    )
    return padding + text + helper


def generate(target: Path, count: int, seed: int = 7) -> None:
    rng = random.Random(seed)
    texts = sources()
    (target / "pyproject.toml").write_text('[project]\nname = "bench"\nversion = "0"\n')
    for number in range(count):
        folder = target / "dags" / f"team_{number // 50:02d}"
        if not folder.exists():
            folder.mkdir(parents=True)
            if rng.random() < 0.5:
                (folder / "RUNBOOK.md").write_text("# Runbook\n")
        text = variant(texts[number % len(texts)], number, rng)
        (folder / f"dag_{number:05d}.py").write_text(text, encoding="utf-8")


def _parse_only(dags: Path) -> float:
    """CPU seconds to read and parse every generated file: the floor of any AST checker."""
    started = time.process_time()
    for path in sorted(dags.rglob("*.py")):
        ast.parse(path.read_bytes(), filename=str(path))
    return time.process_time() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="check-speed-"))
    try:
        generate(workdir, args.files)
        best = best_cpu = float("inf")
        for _ in range(args.repeat):
            started, started_cpu = time.perf_counter(), time.process_time()
            result = check_paths([workdir / "dags"])
            best = min(best, time.perf_counter() - started)
            best_cpu = min(best_cpu, time.process_time() - started_cpu)
        assert result.files == args.files, result.files
        parse_cpu = min(_parse_only(workdir / "dags") for _ in range(args.repeat))
        # on a shared machine the wall time includes waiting for a core; the CPU time does not
        print(
            f"{result.files} files, {len(result.findings)} findings in {best:.2f} s "
            f"({best_cpu:.2f} s of CPU): {result.files / best:,.0f} files/s; parsing them alone "
            f"took {parse_cpu:.2f} s of CPU, so checking costs {best_cpu / parse_cpu:.1f}x parsing"
        )
        if result.errors:
            print(f"{len(result.errors)} rule errors, first: {result.errors[0]}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
