"""The package's layers: the data path knows nothing of Airflow, the local stack or the CLI.

Each layer is a subpackage of ``taxi_pipeline``, bottom up: ``core`` (months, names, errors,
connection, settings, trip schema, source, warehouse, dbt, transforms, pipeline); ``orchestration``
(task bodies, namespaces); ``local`` (embedded PostgreSQL, local Airflow, TLC mirror, local stack);
``cli``. Every module lives in one of them and may import its own layer and those below it, at
module level or inside a function alike.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PACKAGE = SRC / "taxi_pipeline"
ORDER = ["core", "orchestration", "local", "cli"]
# Third-party packages a layer may not import at all.
FORBIDDEN = {"core": {"airflow"}}
# Settings are read by every part, the Airflow side included: they must stay cheap to import.
LIGHT = ["taxi_pipeline.core.settings", "taxi_pipeline.core.names", "taxi_pipeline.core.connection"]
HEAVY = {"pyarrow", "adbc_driver_postgresql", "psycopg", "dbt", "airflow"}
# A longer module holds more than one concern: split it.
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(SRC).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}
MODULES.pop("taxi_pipeline")


def layer_of(name: str) -> str | None:
    """The layer of a module, or of a name imported from one: the package it is under."""
    parts = name.split(".")
    if parts[0] != "taxi_pipeline" or len(parts) < 2:
        return None
    return parts[1] if parts[1] in ORDER else None


def imports_of(module: str, path: Path) -> set[str]:
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = package[: len(package) - node.level + 1] if node.level else []
            source = ".".join([*base, *([node.module] if node.module else [])])
            names.add(source)
            if source.split(".")[0] == "taxi_pipeline":
                # ``from taxi_pipeline.core import sqlfile`` imports the module sqlfile.
                names.update(f"{source}.{alias.name}" for alias in node.names)
    return names


def test_every_module_has_a_layer():
    homeless = [module for module in MODULES if layer_of(module) is None]
    assert not homeless, f"move into one of {', '.join(ORDER)}: {', '.join(homeless)}"


@pytest.mark.parametrize(
    "module", [name for name, path in MODULES.items() if path.name == "__init__.py"]
)
def test_a_layer_package_holds_only_its_docstring(module):
    body = ast.parse(MODULES[module].read_text()).body
    assert len(body) == 1 and isinstance(body[0], ast.Expr), f"{module}: a docstring, no code"
    assert isinstance(body[0].value, ast.Constant) and isinstance(body[0].value.value, str)


@pytest.mark.parametrize("module", sorted(MODULES))
def test_a_module_imports_only_its_layer_and_those_below(module):
    layer = layer_of(module)
    if layer is None:
        pytest.skip("in no layer: test_every_module_has_a_layer fails")
    allowed = set(ORDER[: ORDER.index(layer) + 1])
    wrong = []
    for name in imports_of(module, MODULES[module]):
        top = name.split(".")[0]
        if top == "taxi_pipeline" and "." in name:
            if layer_of(name) not in allowed:
                wrong.append(f"{name} ({layer_of(name)})")
        elif top in FORBIDDEN.get(layer, set()):
            wrong.append(name)
    assert not wrong, f"{module} ({layer}) imports {', '.join(sorted(wrong))}"


def test_the_settings_import_nothing_heavy():
    probe = (
        "import sys\n"
        f"for name in {LIGHT!r}: __import__(name)\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & {HEAVY!r}))"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]", out


@pytest.mark.parametrize(
    "path", sorted(SRC.rglob("*.py")), ids=lambda path: str(path.relative_to(SRC))
)
def test_no_module_is_too_long(path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(SRC)} has {lines} lines (at most {MAX_LINES})"
