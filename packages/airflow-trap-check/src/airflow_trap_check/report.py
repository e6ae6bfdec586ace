"""Findings as text for people, JSON for scripts and SARIF 2.1.0 for code-scanning tools."""

from __future__ import annotations

import json
from collections import Counter
from importlib import metadata
from pathlib import Path

from airflow_trap_check.model import RULES, Finding, Rule

DISTRIBUTION = "airflow-trap-check"
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def text(findings: list[Finding], files: int) -> str:
    lines = []
    for f in findings:
        lines.append(f"{f.path}:{f.line}:{f.column}: {f.code} {f.message}")
        lines.append(f"    hint: {f.hint}")
    if findings:
        counts = Counter(f.code for f in findings)
        by_code = ", ".join(f"{code} x{n}" for code, n in sorted(counts.items()))
        affected = len({f.path for f in findings})
        noun = "problem" if len(findings) == 1 else "problems"
        lines.append(f"Found {len(findings)} {noun} ({by_code}) in {affected} of {files} file(s).")
    else:
        lines.append(f"All checks passed ({files} file(s)).")
    return "\n".join(lines) + "\n"


def as_json(findings: list[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], indent=2) + "\n"


def sarif(findings: list[Finding]) -> str:
    index = {rule.code: i for i, rule in enumerate(RULES)}
    driver: dict[str, object] = {
        "name": DISTRIBUTION,
        "rules": [
            {
                "id": rule.code,
                "name": "".join(part.capitalize() for part in rule.name.split("-")),
                "shortDescription": {"text": rule.summary},
                "fullDescription": {"text": rule.summary},
                "help": {"text": rule.hint},
                "defaultConfiguration": {"level": _level(rule), "enabled": rule.default},
            }
            for rule in RULES
        ],
    }
    version = _version()
    if version:
        driver["version"] = version
    results = []
    for f in findings:
        location: dict[str, object] = {"uri": _uri(f.path)}
        if not Path(f.path).is_absolute():
            location["uriBaseId"] = "%SRCROOT%"
        results.append(
            {
                "ruleId": f.code,
                "ruleIndex": index[f.code],
                "level": _level(RULES[index[f.code]]),
                "message": {"text": f"{f.message}. Hint: {f.hint}"},
                "locations": [
                    {
                        "physicalLocation": {
                            "artifactLocation": location,
                            "region": {"startLine": f.line, "startColumn": f.column},
                        }
                    }
                ],
            }
        )
    document = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {"tool": {"driver": driver}, "columnKind": "unicodeCodePoints", "results": results}
        ],
    }
    return json.dumps(document, indent=2) + "\n"


def _level(rule: Rule) -> str:
    # code scanning shows notes apart from warnings: advice should not read like a trap
    return "warning" if rule.default else "note"


def _uri(path: str) -> str:
    candidate = Path(path)
    if candidate.is_absolute():
        return candidate.as_uri()
    return candidate.as_posix().replace(" ", "%20")


def _version() -> str | None:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None
