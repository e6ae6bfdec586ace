# expect: TP003@18
"""Loading helpers: the append is reported here and at each task that reaches it."""

import pandas as pd
from airflow.providers.postgres.hooks.postgres import PostgresHook

from chunk_ids import next_chunk_id


def append_chunks(connection_id, path):
    engine = PostgresHook(connection_id).get_sqlalchemy_engine()
    for chunk in pd.read_json(path, lines=True, chunksize=50):
        chunk["chunk"] = next_chunk_id(engine)
        store(chunk, engine)


def store(chunk, engine):
    chunk.to_sql(name="papers", con=engine, index=False, if_exists="append")
