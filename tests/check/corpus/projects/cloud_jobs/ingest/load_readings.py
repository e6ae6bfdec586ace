# expect: none
"""A dlt pipeline that leaves write_disposition at its default, append."""

import dlt


def readings():
    yield {"sensor": "a", "value": 1}


pipeline = dlt.pipeline(pipeline_name="sensors", destination="postgres", dataset_name="raw")
pipeline.run(readings(), table_name="readings")
