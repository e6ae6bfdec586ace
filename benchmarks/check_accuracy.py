"""How often the trap checker is right on real DAG files, next to ruff on the same files.

The files are public DAGs from other repositories, labelled by hand per trap (TP001-TP009) in
``benchmarks/check_accuracy_corpus/manifest.json``. Their code is not part of this repository:
``--fetch`` checks each repository out at its pinned commit into the corpus folder, one folder per
repository (``DIR/<owner>+<name>/``, the whole tree, so the checker sees the project around each
DAG as it would in that repository).

    python -m benchmarks.check_accuracy --corpus /tmp/accuracy-corpus --fetch
    python -m benchmarks.check_accuracy --corpus /tmp/accuracy-corpus
    python -m benchmarks.check_accuracy --corpus /tmp/accuracy-corpus --details

The scoring unit is a (file, trap) pair: the checker says a trap is present in a file when it
reports that code for it. Precision and recall are printed per trap and over traps 1-9 for the
development and held-out halves separately. The held-out half was labelled before the checker
ran on it and is never used to tune the rules; ``--details`` therefore lists the disagreements of
the development half only, unless the held-out half is asked for by name.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from airflow_trap_check import Options, check_paths

MANIFEST = Path(__file__).resolve().parent / "check_accuracy_corpus" / "manifest.json"
TRAPS = tuple(f"TP00{number}" for number in range(1, 10))
SPLITS = ("held-out", "development")
DEFAULT_GIT_URL = "https://github.com/{repo}.git"

# What ruff's rules say about the traps. Of the DTZ family only the rules that flag a reading of
# the clock stand for TP001 (DTZ002 datetime.today(), DTZ003 utcnow(), DTZ005 now() without tz,
# DTZ011 date.today()); DTZ001 flags every naive datetime(2024, 1, 1) literal, which in a DAG file
# is nearly always its start_date, so counting it would credit ruff with TP001 in three files of
# four whether or not a clock is read. S105-S107 are literal passwords, S108 /tmp paths.
# AIR301-AIR303 name what Airflow 3 removed or moved to providers, so the file would fail to
# import there; AIR003 (a Variable read at parse time) is import-time work but a preview rule, so
# it only counts when ruff runs with --preview. The other AIR rules (naming, missing schedule,
# suggested updates that still work) correspond to no trap.
RUFF_SELECT = "AIR,DTZ,S105,S106,S107,S108"
RUFF_TRAPS = (
    ("DTZ002", "TP001"),
    ("DTZ003", "TP001"),
    ("DTZ005", "TP001"),
    ("DTZ011", "TP001"),
    ("S105", "TP005"),
    ("S106", "TP005"),
    ("S107", "TP005"),
    ("S108", "TP008"),
    ("AIR301", "TP007"),
    ("AIR302", "TP007"),
    ("AIR303", "TP007"),
    ("AIR003", "TP007"),
)
RUFF_COVERS = frozenset(trap for _, trap in RUFF_TRAPS)


@dataclass(frozen=True)
class Entry:
    repo: str
    commit: str
    path: str
    # the day the file was last changed at or before ``commit``: the labels judge dates (a
    # start_date "well before" it) as of that day, so the checker is asked to do the same
    committed: date
    split: str
    # trap -> why it is there; traps not in it are absent
    present: Mapping[str, str] = field(compare=False)

    def file(self, corpus: Path) -> Path:
        return corpus / checkout_folder(self.repo) / self.path


@dataclass
class Tally:
    true_positive: int = 0
    false_positive: int = 0
    false_negative: int = 0

    def add(self, labelled: bool, predicted: bool) -> None:
        if labelled and predicted:
            self.true_positive += 1
        elif predicted:
            self.false_positive += 1
        elif labelled:
            self.false_negative += 1

    @property
    def precision(self) -> float | None:
        predicted = self.true_positive + self.false_positive
        return self.true_positive / predicted if predicted else None

    @property
    def recall(self) -> float | None:
        labelled = self.true_positive + self.false_negative
        return self.true_positive / labelled if labelled else None


@dataclass
class Score:
    per_trap: dict[str, Tally] = field(default_factory=lambda: {t: Tally() for t in TRAPS})

    def overall(self, traps: Iterable[str] = TRAPS) -> Tally:
        total = Tally()
        for trap in traps:
            tally = self.per_trap[trap]
            total.true_positive += tally.true_positive
            total.false_positive += tally.false_positive
            total.false_negative += tally.false_negative
        return total


@dataclass
class Half:
    files: int
    checker: Score
    ruff: Score

    def as_dict(self) -> dict[str, object]:
        return {"files": self.files, "checker": _figures(self.checker), "ruff": _figures(self.ruff)}


def _figures(result: Score) -> dict[str, object]:
    named = {**result.per_trap, "all": result.overall()}
    return {
        name: {"precision": tally.precision, "recall": tally.recall, **vars(tally)}
        for name, tally in named.items()
    }


def checkout_folder(repo: str) -> str:
    owner, name = repo.split("/")
    return f"{owner}+{name}"


def load_manifest(path: Path = MANIFEST) -> list[Entry]:
    """Entries of the manifest; ``ValueError`` when one is incomplete or contradicts another."""
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = []
    commits: dict[str, str] = {}
    for raw in data["files"]:
        where = f"{raw.get('repo')}:{raw.get('path')}"
        labels = raw["labels"]
        if set(labels) != set(TRAPS):
            raise ValueError(f"{where}: labels must name exactly {TRAPS[0]}..{TRAPS[-1]}")
        present = {}
        for trap, label in labels.items():
            if label is False:
                continue
            if not isinstance(label, str) or not label.strip():
                raise ValueError(f"{where}: {trap} is false or a reason why it is present")
            present[trap] = label
        if raw["split"] not in SPLITS:
            raise ValueError(f"{where}: split must be one of {SPLITS}")
        # one checkout per repository, so every file of it must pin the same commit
        if commits.setdefault(raw["repo"], raw["commit"]) != raw["commit"]:
            raise ValueError(f"{where}: another entry pins {raw['repo']} at another commit")
        try:
            committed = date.fromisoformat(raw["committed"])
        except (KeyError, TypeError, ValueError):
            message = f"{where}: committed must be the file's commit day (YYYY-MM-DD)"
            raise ValueError(message) from None
        entries.append(
            Entry(raw["repo"], raw["commit"], raw["path"], committed, raw["split"], present)
        )
    return entries


def fetch(entries: list[Entry], corpus: Path, git_url: str = DEFAULT_GIT_URL) -> None:
    """Check out each repository at its pinned commit under ``corpus`` (skipped when present)."""
    pinned = {entry.repo: entry.commit for entry in entries}
    for repo, commit in sorted(pinned.items()):
        target = corpus / checkout_folder(repo)
        if (target / ".git").is_dir() and _head(target) == commit:
            continue
        target.mkdir(parents=True, exist_ok=True)
        owner, name = repo.split("/")
        url = git_url.format(repo=repo, owner=owner, name=name)
        print(f"fetching {repo} at {commit[:12]}", file=sys.stderr)
        _git(target, "init", "--quiet")
        _git(target, "fetch", "--quiet", "--depth", "1", url, commit)
        _git(target, "checkout", "--quiet", "--force", commit)
    missing = [e for e in entries if not e.file(corpus).is_file()]
    if missing:
        raise SystemExit(
            f"not in the checkouts: {', '.join(e.repo + ':' + e.path for e in missing)}"
        )


def _git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True)


def _head(folder: Path) -> str:
    done = subprocess.run(
        ["git", "-C", str(folder), "rev-parse", "HEAD"], capture_output=True, text=True
    )
    return done.stdout.strip()


def checker_traps(file: Path, committed: date) -> set[str]:
    # isolated: the checked repositories' own settings must not switch rules off
    result = check_paths([file], Options(isolated=True, reference_date=committed))
    return {finding.code for finding in result.findings} & set(TRAPS)


def ruff_traps(files: list[Path], ruff: str) -> dict[Path, set[str]]:
    done = subprocess.run(
        [
            ruff,
            "check",
            "--no-cache",
            "--isolated",
            "--select",
            RUFF_SELECT,
            "--output-format",
            "json",
            *map(str, files),
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"ruff failed: {done.stderr.strip()}")
    found: dict[Path, set[str]] = {file.resolve(): set() for file in files}
    for diagnostic in json.loads(done.stdout):
        trap = ruff_trap(diagnostic["code"] or "")
        if trap is not None:
            found[Path(diagnostic["filename"]).resolve()].add(trap)
    return found


def ruff_trap(code: str) -> str | None:
    for prefix, trap in RUFF_TRAPS:
        if code.startswith(prefix):
            return trap
    return None


def score(entries: list[Entry], predictions: Mapping[Entry, set[str]]) -> Score:
    result = Score()
    for entry in entries:
        for trap in TRAPS:
            result.per_trap[trap].add(trap in entry.present, trap in predictions[entry])
    return result


def table(checker: Score, ruff: Score) -> str:
    rows = [f"{'trap':<10}{'n':>4}  {'checker P':>9} {'R':>5}  {'ruff P':>7} {'R':>5}"]

    def row(name: str, mine: Tally, theirs: Tally, covered: bool) -> str:
        labelled = mine.true_positive + mine.false_negative
        ruff_cells = (
            f"{_ratio(theirs.precision):>7} {_ratio(theirs.recall):>5}" if covered else f"{'-':>13}"
        )
        return (
            f"{name:<10}{labelled:>4}  {_ratio(mine.precision):>9} {_ratio(mine.recall):>5}  "
            f"{ruff_cells}"
        )

    for trap in TRAPS:
        rows.append(row(trap, checker.per_trap[trap], ruff.per_trap[trap], trap in RUFF_COVERS))
    rows.append(row("all 1-9", checker.overall(), ruff.overall(), True))
    covered = sorted(RUFF_COVERS)
    rows.append(
        row("ruff's", checker.overall(covered), ruff.overall(covered), True)
        + f"   (traps ruff covers: {', '.join(covered)})"
    )
    return "\n".join(rows)


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def disagreements(entries: list[Entry], predictions: Mapping[Entry, set[str]]) -> list[str]:
    lines = []
    for entry in entries:
        for trap in TRAPS:
            labelled, predicted = trap in entry.present, trap in predictions[entry]
            if labelled and not predicted:
                lines.append(f"missed  {trap} {entry.repo}:{entry.path}: {entry.present[trap]}")
            elif predicted and not labelled:
                lines.append(f"extra   {trap} {entry.repo}:{entry.path}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True, help="folder of the checkouts")
    parser.add_argument("--manifest", type=Path, default=MANIFEST)
    parser.add_argument("--fetch", action="store_true", help="check out the pinned commits first")
    parser.add_argument(
        "--git-url",
        default=DEFAULT_GIT_URL,
        help="where --fetch clones from; {repo}, {owner} and {name} are filled in "
        f"(default {DEFAULT_GIT_URL})",
    )
    parser.add_argument("--ruff", default=str(Path(sys.executable).parent / "ruff"))
    parser.add_argument(
        "--details",
        nargs="?",
        const="development",
        choices=SPLITS,
        help="list the files and traps where the checker disagrees with the labels",
    )
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)

    entries = load_manifest(args.manifest)
    corpus = args.corpus.resolve()
    if args.fetch:
        fetch(entries, corpus, args.git_url)
    checker = {entry: checker_traps(entry.file(corpus), entry.committed) for entry in entries}
    by_file = ruff_traps([entry.file(corpus) for entry in entries], args.ruff)
    ruff = {entry: by_file[entry.file(corpus).resolve()] for entry in entries}

    halves = {}
    for split in SPLITS:
        chosen = [entry for entry in entries if entry.split == split]
        halves[split] = Half(len(chosen), score(chosen, checker), score(chosen, ruff))
    if args.json:
        print(json.dumps({split: half.as_dict() for split, half in halves.items()}, indent=2))
    else:
        for split, half in halves.items():
            print(f"\n{split}: {half.files} files, {half.files * len(TRAPS)} (file, trap) pairs")
            print(table(half.checker, half.ruff))
    if args.details:
        chosen = [entry for entry in entries if entry.split == args.details]
        print(f"\n{args.details}: where the checker and the labels disagree")
        print("\n".join(disagreements(chosen, checker)) or "nowhere")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
