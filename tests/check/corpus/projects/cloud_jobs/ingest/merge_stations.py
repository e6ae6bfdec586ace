# expect: none
"""A dlt pipeline whose resource merges on its key: a rerun updates the same rows."""

import dlt


@dlt.resource(primary_key="station_id", write_disposition="merge")
def stations():
    yield {"station_id": 1, "name": "north"}


pipeline = dlt.pipeline(pipeline_name="stations", destination="postgres", dataset_name="raw")
pipeline.run(stations(), table_name="stations")
