# expect: none
"""A scratch export the DAG does use."""

import boto3

S3 = boto3.client("s3")


def export_scratch(rows, path="/tmp/scratch.csv"):
    with open(path, "w") as out:
        out.writelines(rows)
