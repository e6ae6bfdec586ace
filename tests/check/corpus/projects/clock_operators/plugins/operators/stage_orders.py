# expect: none
from airflow.hooks.S3_hook import S3Hook
from airflow.models import BaseOperator


class StageOrdersOperator(BaseOperator):
    def __init__(self, bucket="", label="", *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bucket = bucket
        self.label = label
        self.day = kwargs.get("run_day")
        self.note = kwargs.get("note")

    def execute(self, context):
        self.log.info("staging %s at %s", self.label, self.note)
        prefix = f"s3://{self.bucket}"
        if self.day:
            prefix = f"{prefix}/{self.day:%Y/%m/%d}"
        for key in S3Hook("aws").list_keys(self.bucket, prefix=prefix):
            self.log.info("found %s", key)
