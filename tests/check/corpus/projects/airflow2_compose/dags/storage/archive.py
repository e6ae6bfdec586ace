# expect: none
"""Objects that keep an S3 hook: one only stores it, the other reads S3 when it is made."""

from airflow.providers.amazon.aws.hooks.s3 import S3Hook


class Archive:
    def __init__(self):
        self.s3 = S3Hook(aws_conn_id="archive_s3")
        self.bucket = "orders-archive"

    def upload(self, path, key):
        self.s3.load_file(path, key=key, bucket_name=self.bucket, replace=True)


class Snapshot:
    def __init__(self):
        self.s3 = S3Hook(aws_conn_id="archive_s3")
        self.latest = self.s3.read_key(key="latest.json", bucket_name="orders-archive")
