"""Namespaces (taxi_pipeline.orchestration.namespaces): several copies of the pipeline in one
Airflow. The DAGs they give are tested in test_dag_integrity.py."""

from __future__ import annotations


def test_namespace_list_parsing():
    from unittest import mock

    from taxi_pipeline.orchestration.namespaces import Namespace, dbt_pools, parse_namespaces

    assert parse_namespaces(None) == parse_namespaces(" , ") == (Namespace(),)
    assert parse_namespaces("alice, team_2 ,default") == (
        Namespace("alice"),
        Namespace("team_2"),
        Namespace(),
    )
    assert dbt_pools(parse_namespaces("default,alice")) == {
        "dbt": {"slots": 1, "description": mock.ANY, "include_deferred": False},
        "dbt__alice": {"slots": 1, "description": mock.ANY, "include_deferred": False},
    }
