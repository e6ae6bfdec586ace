"""The package's layers: the data path knows nothing of Airflow, the local stack or the CLI.

Layers, bottom up: the core data path (months, names, errors, connection, settings, trip schema,
source, warehouse, dbt, transforms, pipeline); the Airflow side (task bodies, namespaces); the
local stack (embedded PostgreSQL, local Airflow, TLC mirror); the CLI. A module may import its own
layer and those below it, at module level or inside a function alike.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "src" / "taxi_pipeline"
LAYERS = {
    "core": {
        "months",
        "names",
        "errors",
        "connection",
        "settings",
        "schema",
        "source",
        "sqlfile",
        "warehouse",
        "dbt",
        "transforms",
        "pipeline",
    },
    "airflow": {"airflow_tasks", "namespaces"},
    "local": {"localpg", "local_airflow", "local_stack", "tlc_mirror"},
    "cli": {"cli"},
}
ORDER = ["core", "airflow", "local", "cli"]
LAYER_OF = {module: layer for layer, modules in LAYERS.items() for module in modules}
# Third-party packages a layer may not import at all.
FORBIDDEN = {"core": {"airflow"}}
# Settings are read by every part, the Airflow side included: they must stay cheap to import.
LIGHT = ["taxi_pipeline.settings", "taxi_pipeline.names", "taxi_pipeline.connection"]
HEAVY = {"pyarrow", "adbc_driver_postgresql", "psycopg", "dbt", "airflow"}


def imports_of(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            if node.module == "taxi_pipeline":
                names.update(f"taxi_pipeline.{alias.name}" for alias in node.names)
    return names


def test_every_module_has_a_layer():
    modules = {path.stem for path in PACKAGE.glob("*.py")} - {"__init__"}
    assert modules == set(LAYER_OF), "place new modules in LAYERS"


@pytest.mark.parametrize("module", sorted(LAYER_OF))
def test_a_module_imports_only_its_layer_and_those_below(module):
    layer = LAYER_OF[module]
    allowed = set(ORDER[: ORDER.index(layer) + 1])
    wrong = []
    for name in imports_of(PACKAGE / f"{module}.py"):
        top = name.split(".")[0]
        if top == "taxi_pipeline" and "." in name:
            target = name.split(".")[1]
            if LAYER_OF.get(target) not in allowed:
                wrong.append(f"{name} ({LAYER_OF.get(target)})")
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
