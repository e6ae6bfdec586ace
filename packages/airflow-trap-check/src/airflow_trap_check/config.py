"""``[tool.airflow-trap-check]`` in pyproject.toml, found by walking up from the checked path.

``[tool.taxi-pipeline.check]``, the section's name from when the checker shipped inside the taxi
pipeline, is still read so existing projects keep their settings.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from airflow_trap_check.model import codes_matching

DEFAULT_RUNBOOK = "RUNBOOK.md"
KEYS = frozenset({"select", "ignore", "runbook-name", "exclude"})
SECTION = "tool.airflow-trap-check"
_OLD_SECTION = "tool.taxi-pipeline.check"


class ConfigError(Exception):
    """The configuration cannot be used as written; reported as a usage error."""


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] = ()
    runbook_name: str | None = None
    exclude: tuple[str, ...] = ()
    base: Path = field(default_factory=Path.cwd)
    source: Path | None = None


def find_config(start: Path) -> Path | None:
    """The nearest pyproject.toml at or above ``start`` that has a checker section."""
    current = start if start.is_dir() else start.parent
    current = current.resolve()
    for folder in (current, *current.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _section(candidate) is not None:
            return candidate
    return None


def load_config(path: Path) -> Config:
    section = _section(path, strict=True)
    if section is None:
        return Config(base=path.parent, source=path)
    unknown = set(section) - KEYS
    if unknown:
        raise ConfigError(
            f"{path}: unknown key(s) {', '.join(sorted(unknown))} in [{SECTION}] "
            f"(known: {', '.join(sorted(KEYS))})"
        )
    select = _string_list(path, section, "select")
    ignore = _string_list(path, section, "ignore")
    try:
        codes_matching(list(select or ()) + list(ignore or ()))
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None
    runbook = section.get("runbook-name")
    if runbook is not None and (not isinstance(runbook, str) or not runbook.strip()):
        raise ConfigError(f"{path}: runbook-name must be a non-empty string")
    return Config(
        select=tuple(select) if select is not None else None,
        ignore=tuple(ignore or ()),
        runbook_name=runbook.strip() if runbook else None,
        exclude=tuple(_string_list(path, section, "exclude") or ()),
        base=path.parent,
        source=path,
    )


def _string_list(path: Path, section: dict, key: str) -> list[str] | None:
    value = section.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = [part for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{path}: {key} must be a list of strings")
    return [v.strip() for v in value]


_SECTIONS: dict[Path, dict | None] = {}


def _section(path: Path, strict: bool = False) -> dict | None:
    key = path.resolve()
    if key not in _SECTIONS or strict:
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as error:
            if strict:
                raise ConfigError(f"{path}: cannot read it ({error})") from None
            _SECTIONS[key] = None
            return None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as error:
            # someone else's broken pyproject is not our business, unless it configures us
            if strict or "airflow-trap-check" in text or "taxi-pipeline" in text:
                raise ConfigError(f"{path}: cannot read it as TOML ({error})") from None
            _SECTIONS[key] = None
            return None
        tool = data.get("tool", {})
        section = tool.get("airflow-trap-check")
        name = SECTION
        if section is None:
            section, name = tool.get("taxi-pipeline", {}).get("check"), _OLD_SECTION
        if section is not None and not isinstance(section, dict):
            raise ConfigError(f"{path}: [{name}] must be a table")
        _SECTIONS[key] = section
    return _SECTIONS[key]


def clear_cache() -> None:
    _SECTIONS.clear()
