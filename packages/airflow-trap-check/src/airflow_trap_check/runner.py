"""Finding files, running the rules on each, and applying noqa, select and ignore."""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from airflow_trap_check import config as config_module
from airflow_trap_check import factories, reach, task_code
from airflow_trap_check.base import FileContext, utc_now
from airflow_trap_check.config import DEFAULT_RUNBOOK, Config, find_config, load_config
from airflow_trap_check.dags import AirflowModel
from airflow_trap_check.model import DEFAULT_CODES, RULES_BY_CODE, Finding, codes_matching
from airflow_trap_check.parsing import parse
from airflow_trap_check.rules import (
    airflow3_imports,
    catchup,
    clock,
    concurrency,
    credentials,
    database_clock,
    import_order,
    import_time,
    imports,
    loads,
    paths,
    retries,
    runbook,
    start_date,
    undefined_names,
    writes,
)

# Each rule module with the codes it can produce.
RULE_MODULES: tuple[tuple[tuple[str, ...], Callable[[FileContext], None]], ...] = (
    (("TP001",), clock.check),
    (("TP001",), database_clock.check),
    (("TP002",), catchup.check),
    (("TP002",), factories.check),
    (("TP003", "TP004"), loads.check),
    (("TP003", "TP004"), task_code.check),
    (("TP005",), credentials.check),
    (("TP006",), concurrency.check),
    (("TP007",), import_time.check),
    (("TP007",), imports.check),
    (("TP007",), import_order.check),
    (("TP007",), airflow3_imports.check),
    (("TP007",), start_date.check),
    (("TP007",), undefined_names.check),
    (("TP008",), paths.check),
    (("TP009", "TP011"), retries.check),
    (("TP010",), runbook.check),
)
_SKIP_DIRS = frozenset(
    {"__pycache__", "node_modules", "venv", "site-packages", "build", "dist", "target"}
)
_NOQA = re.compile(
    r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE
)


@dataclass
class Options:
    """Command-line choices; they win over (select) or add to (ignore, exclude) the config."""

    select: list[str] | None = None
    ignore: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    runbook_name: str | None = None
    config: Path | None = None
    isolated: bool = False
    # judge start dates as of the end of this day instead of now: a file is read as it stood
    # when it was committed (what unpausing it then would have scheduled); a 5-minute DAG
    # started that morning and committed that afternoon has already missed dozens of runs
    reference_date: date | None = None


@dataclass
class Result:
    findings: list[Finding]
    files: int
    errors: list[str] = field(default_factory=list)


def check_paths(targets: Iterable[Path | str], options: Options | None = None) -> Result:
    """Check files and folders; raises ``ConfigError`` or ``ValueError`` on bad settings.

    Each file follows the nearest ``[tool.airflow-trap-check]`` above it (like a project
    nested in a monorepo), unless ``--config`` names one file for all or ``--isolated``.
    """
    options = options or Options()
    _clear_caches()
    findings: list[Finding] = []
    errors: list[str] = []
    seen: set[Path] = set()
    explicit = load_config(options.config) if options.config else None
    configs: dict[Path, Config] = {}
    reference_time = (
        datetime.combine(options.reference_date, datetime.max.time())
        if options.reference_date is not None
        else utc_now()
    )

    def config_for(folder: Path) -> Config:
        if explicit is not None:
            return explicit
        if options.isolated:
            return _DEFAULT_CONFIG
        if folder not in configs:
            found = find_config(folder)
            configs[folder] = load_config(found) if found else _DEFAULT_CONFIG
        return configs[folder]

    def excluded(path: Path) -> bool:
        cfg = config_for(path.parent)
        patterns = [(cfg.base, p) for p in cfg.exclude]
        patterns.extend((Path.cwd(), p) for p in options.exclude)
        return _excluded(path, patterns)

    files = 0
    for target in targets:
        path = Path(target)
        if not path.exists():
            raise FileNotFoundError(str(target))
    for target in targets:
        for file in _files(Path(target), excluded):
            resolved = file.resolve()
            if resolved in seen:
                continue
            seen.add(resolved)
            files += 1
            cfg = config_for(file.parent)
            runbook_name = options.runbook_name or cfg.runbook_name or DEFAULT_RUNBOOK
            selected = _selected(cfg, options)
            findings.extend(check_file(file, selected, runbook_name, errors, reference_time))
    # one line can hold several distinct findings of a code (an import reaching two secrets)
    unique = {(f.path, f.line, f.code, f.message): f for f in findings}
    return Result(sorted(unique.values()), files, errors)


_DEFAULT_CONFIG = Config()


def check_file(
    path: Path,
    selected: set[str] | frozenset[str] = DEFAULT_CODES,
    runbook_name: str = DEFAULT_RUNBOOK,
    errors: list[str] | None = None,
    reference_time: datetime | None = None,
) -> list[Finding]:
    display = _display(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        if errors is not None:
            errors.append(f"{display}: cannot read ({error.strerror})")
        return []
    if b"airflow" not in data.lower():
        return []  # not Airflow code: a plain script or library the scheduler never imports
    src, syntax_error = parse(path, data)
    lines = data.decode("utf-8", errors="replace").splitlines()
    unparsable: list[Finding] = []
    if syntax_error is not None and "TP007" in selected:
        unparsable.append(
            Finding(
                display,
                syntax_error.lineno or 1,
                max(syntax_error.offset or 1, 1),
                "TP007",
                f"the file does not parse ({syntax_error.msg}): Airflow cannot import it, so "
                "none of its DAGs load",
                RULES_BY_CODE["TP007"].hint,
                syntax_error.lineno or 1,
            )
        )
    if src is None:
        return _unsuppressed(unparsable, lines)
    ctx = FileContext(
        src,
        AirflowModel(src),
        display,
        runbook_name,
        project_root(path.parent),
        reference_time or utc_now(),
    )
    for codes, rule in RULE_MODULES:
        if not selected.intersection(codes):
            continue
        try:
            rule(ctx)
        except Exception as error:  # one rule failing on odd code must not stop the others
            if errors is not None:
                errors.append(f"{display}: {codes[0]} could not finish ({error!r})")
    try:
        reach.check(ctx, selected)
    except (OSError, ValueError) as error:  # an unreadable helper must not stop the file's rules
        if errors is not None:
            errors.append(f"{display}: project code it reaches could not be read ({error})")
    kept = [f for f in ctx.findings if f.code in selected]
    return _unsuppressed([*unparsable, *(_character_column(f, lines) for f in kept)], lines)


def project_root(folder: Path) -> Path | None:
    """Nearest folder at or above ``folder`` holding .git or pyproject.toml."""
    folder = folder.resolve()
    cached = _ROOTS.get(folder)
    if cached is not None or folder in _ROOTS:
        return cached
    result = None
    for candidate in (folder, *folder.parents):
        if (candidate / ".git").exists() or (candidate / "pyproject.toml").is_file():
            result = candidate
            break
    _ROOTS[folder] = result
    return result


_ROOTS: dict[Path, Path | None] = {}


def _clear_caches() -> None:
    _ROOTS.clear()
    config_module.clear_cache()
    runbook._LISTINGS.clear()
    catchup._PROJECT_DEFAULTS.clear()
    concurrency._PROJECT_POOLS.clear()
    writes.SQL_FILES.cache.clear()
    imports.clear_cache()
    airflow3_imports.clear_cache()
    reach.clear_cache()
    clock.clear_cache()
    task_code.clear_cache()
    factories.clear_cache()


def _selected(cfg: Config, options: Options) -> set[str]:
    chosen = options.select if options.select is not None else cfg.select
    selected = codes_matching(list(chosen)) if chosen is not None else set(DEFAULT_CODES)
    return selected - codes_matching([*cfg.ignore, *options.ignore])


def _files(path: Path, excluded: Callable[[Path], bool]) -> Iterable[Path]:
    if path.is_file():
        # Airflow only imports .py files (and zips), so nothing else can be a DAG file
        if path.suffix == ".py" and not excluded(path):
            yield path
        return
    for directory, subdirs, names in os.walk(path):
        folder = Path(directory)
        subdirs[:] = sorted(
            d
            for d in subdirs
            if not d.startswith(".") and d not in _SKIP_DIRS and not excluded(folder / d)
        )
        for name in sorted(names):
            if name.endswith(".py") and not excluded(folder / name):
                yield folder / name


def _excluded(path: Path, excludes: list[tuple[Path, str]]) -> bool:
    if not excludes:
        return False
    resolved = path.resolve()
    for base, pattern in excludes:
        pattern = pattern.rstrip("/")
        if fnmatch.fnmatch(path.name, pattern):
            return True
        try:
            relative = resolved.relative_to(base.resolve()).as_posix()
        except ValueError:
            continue
        if fnmatch.fnmatch(relative, pattern) or relative.startswith(pattern + "/"):
            return True
    return False


def _display(path: Path) -> str:
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path.as_posix()


def _character_column(finding: Finding, lines: list[str]) -> Finding:
    """ast columns count UTF-8 bytes; editors and SARIF count characters."""
    if 0 < finding.line <= len(lines):
        text = lines[finding.line - 1]
        if not text.isascii():
            prefix = text.encode("utf-8")[: finding.column - 1].decode("utf-8", errors="ignore")
            return Finding(
                finding.path,
                finding.line,
                len(prefix) + 1,
                finding.code,
                finding.message,
                finding.hint,
                finding.end_line,
            )
    return finding


def _unsuppressed(findings: list[Finding], lines: list[str]) -> list[Finding]:
    kept = []
    for finding in findings:
        if not _suppressed(finding, lines):
            kept.append(finding)
    return kept


def _suppressed(finding: Finding, lines: list[str]) -> bool:
    for number in {finding.line, finding.end_line or finding.line}:
        if not 0 < number <= len(lines):
            continue
        match = _NOQA.search(lines[number - 1])
        if match is None:
            continue
        codes = match.group("codes")
        if codes is None:
            return True
        if finding.code in {c.upper() for c in re.split(r"[\s,]+", codes) if c}:
            return True
    return False
