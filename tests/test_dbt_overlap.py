"""Why dbt runs must never overlap on one schema: without the one-slot pool they collide."""

from __future__ import annotations

from taxi_pipeline.core.dbt import run_dbt
from taxi_pipeline.core.months import Month
from taxi_pipeline.core.pipeline import ingest_month
from tests.support.dbt_processes import concurrent_dbt_runs


def test_overlapping_dbt_runs_collide_on_one_schema(settings, warehouse_url):
    ingest_month(settings, Month(2024, 1), warehouse_url)
    seed = run_dbt("seed", warehouse_url, settings.work_dir, target_schema="analytics")
    assert seed.success

    collisions = []
    with concurrent_dbt_runs(warehouse_url, settings.work_dir) as round_of_runs:
        for _attempt in range(3):
            results = round_of_runs()
            collisions = [r for r in results if not r.success and _collided(r.output_tail)]
            if collisions:
                break
    assert collisions, "three concurrent dbt runs never collided"
    assert "Database Error in model" in collisions[0].output_tail


def _collided(output: str) -> bool:
    # Which relation collides first depends on timing: the model itself, its __dbt_backup or
    # __dbt_tmp twin, or the catalog row of a view being replaced.
    return any(
        sign in output
        for sign in ("already exists", "concurrently updated", "duplicate key value violates")
    )
