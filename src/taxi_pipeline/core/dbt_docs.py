"""The dbt docs site of the project, generated against the warehouse (``taxi-pipeline docs``).

``dbt docs generate`` runs like every other invocation (``core.dbt.run_dbt``: credentials by
environment only, the schema's own target dir and its partial parse) and reads the catalog from
the warehouse. The site's three files are then copied to a folder of their own, so that a dbt
build running meanwhile cannot change the site being served.
"""

from __future__ import annotations

import dataclasses
import json
import shutil
from collections.abc import Callable
from pathlib import Path

from taxi_pipeline.core.dbt import target_dir
from taxi_pipeline.core.dbt_failures import run_dbt_checked
from taxi_pipeline.core.names import DEFAULT_RAW_SCHEMA

SITE_FILES = ("index.html", "manifest.json", "catalog.json")


@dataclasses.dataclass(frozen=True)
class DocsSite:
    folder: Path
    models: tuple[str, ...]
    # The models the catalog found built in the warehouse: their columns and row counts show.
    built_models: tuple[str, ...]

    @property
    def unbuilt_models(self) -> tuple[str, ...]:
        return tuple(m for m in self.models if m not in self.built_models)


def site_dir(work_dir: Path, dbt_schema: str) -> Path:
    return work_dir / "docs" / dbt_schema


def generate_docs(
    warehouse_url: str,
    work_dir: Path,
    *,
    dbt_schema: str,
    raw_schema: str = DEFAULT_RAW_SCHEMA,
    project_dir: Path | None = None,
    echo: Callable[[str], None] | None = None,
) -> DocsSite:
    """Generate the docs site (catalog included) into ``site_dir(work_dir, dbt_schema)``."""
    run_dbt_checked(
        "docs generate",
        warehouse_url,
        work_dir,
        target_schema=dbt_schema,
        raw_schema=raw_schema,
        project_dir=project_dir,
        echo=echo,
    )
    source = target_dir(work_dir, dbt_schema)
    folder = site_dir(work_dir, dbt_schema)
    folder.mkdir(parents=True, exist_ok=True)
    for name in SITE_FILES:
        shutil.copyfile(source / name, folder / name)
    manifest = json.loads((folder / "manifest.json").read_text())
    catalog = json.loads((folder / "catalog.json").read_text())
    models = sorted(n["name"] for n in manifest["nodes"].values() if n["resource_type"] == "model")
    nodes = manifest["nodes"]
    built = sorted(
        nodes[key]["name"]
        for key in catalog.get("nodes", {})
        if key in nodes and nodes[key]["resource_type"] == "model"
    )
    return DocsSite(folder=folder, models=tuple(models), built_models=tuple(built))
