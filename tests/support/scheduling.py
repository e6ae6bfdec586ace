"""How pytest-xdist spreads the suite over its workers (scripts/test starts two).

pytest-xdist's own grouping mark (``xdist_group``, ``--dist loadgroup``) has no effect with
pytest 9, which no longer reads the node id it rewrites; so the grouping is done here, by module.
"""

from __future__ import annotations

from xdist.scheduler import LoadScopeScheduling

# The modules whose tests use the session's Airflow (tests/e2e/conftest.py): one unit of work, so
# that Airflow starts once. tests/e2e/conftest.py refuses a test of it in any other module.
SESSION_AIRFLOW_MODULES = frozenset(
    {
        "tests/e2e/test_airflow_runs.py",
        "tests/e2e/test_assets.py",
        "tests/e2e/test_batches.py",
        "tests/e2e/test_cli_stack.py",
        "tests/e2e/test_faults_airflow.py",
        "tests/e2e/test_ui_browser.py",
    }
)


class SessionAirflowScheduling(LoadScopeScheduling):
    """The session Airflow's tests as one unit of work, every other module as one unit (so that
    its module-scoped fixtures, a stack of its own among them, are set up once).

    Units go out in the order of collection, slow tests first (tests/conftest.py), so the
    session Airflow's unit starts at once on one worker while the other takes the rest.
    """

    def _split_scope(self, nodeid: str) -> str:
        module = nodeid.split("::", 1)[0]
        return "session-airflow" if module in SESSION_AIRFLOW_MODULES else module
