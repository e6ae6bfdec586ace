"""What the local Airflow reports: its components' health, DAG import errors, missing pools."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from taxi_pipeline.core.errors import PipelineError
from taxi_pipeline.core.names import DBT_POOL_DESCRIPTION


class LocalAirflowError(PipelineError):
    """The local Airflow could not be prepared, started or asked something."""


@dataclass
class ComponentStatus:
    name: str
    pid: int | None
    running: bool
    healthy: bool | None
    detail: str = ""


@dataclass
class AirflowStatus:
    api_url: str
    components: list[ComponentStatus]
    dags: dict[str, dict[str, Any]] = field(default_factory=dict)
    import_errors: dict[str, str] = field(default_factory=dict)
    missing_dags: list[str] = field(default_factory=list)
    # Pools that waiting tasks name but that do not exist, with how many tasks wait for each.
    missing_pools: dict[str, int] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return (
            all(c.running and c.healthy for c in self.components)
            and not self.import_errors
            and not self.missing_dags
            and not self.missing_pools
        )

    def problems(self) -> list[str]:
        found = [
            f"{c.name}: {c.detail or 'not healthy'}"
            for c in self.components
            if not (c.running and c.healthy)
        ]
        found += [
            f"import error in {name}: {_last_line(text)}"
            for name, text in self.import_errors.items()
        ]
        found += [f"DAG {dag_id} is not loaded" for dag_id in self.missing_dags]
        found += [missing_pool_message(pool, n) for pool, n in self.missing_pools.items()]
        return found


def missing_pool_message(pool: str, waiting: int) -> str:
    return (
        f"{waiting} task(s) wait for pool '{pool}', which does not exist: the scheduler never "
        f'starts them. Create it with one slot: airflow pools set {pool} 1 "{DBT_POOL_DESCRIPTION}"'
    )


def _last_line(text: str) -> str:
    lines = [line for line in (text or "").strip().splitlines() if line.strip()]
    return lines[-1] if lines else ""
