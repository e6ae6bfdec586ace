# expect: none
"""Numbering of chunks: reads no data a load could be scoped by."""


def next_chunk_id(engine):
    with engine.connect() as connection:
        return connection.execute("SELECT count(*) FROM chunk_log").scalar() + 1
