"""The embedded PostgreSQL: a state dir deleted and made again gets a server one can log in to."""

from __future__ import annotations

import shutil

import psycopg

from taxi_pipeline.local.postgres import EmbeddedPostgres


def test_a_recreated_state_dir_gets_a_working_server(tmp_path):
    state = tmp_path / "state"
    first = EmbeddedPostgres(state)
    first.start()
    # As a user resetting the project: the state dir goes while its server still runs. As root the
    # cluster lives outside the state dir, so it survives with a password nobody has any more.
    shutil.rmtree(state)
    again = EmbeddedPostgres(state)
    try:
        info = again.start()
        with psycopg.connect(info.url(), connect_timeout=10) as conn:
            assert conn.execute("select 1").fetchone() == (1,)
    finally:
        again.destroy()
        first.destroy()
