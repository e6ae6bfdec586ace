# expect: none
"""Object storage writers."""

from datetime import datetime

import boto3


class LakeWriter:
    def __init__(self, bucket: str):
        self.bucket = bucket
        self.client = boto3.client("s3")

    def save_raw(self, body: bytes) -> str:
        stamp = datetime.now().strftime("%Y%m%d_%H%M%S")
        key = f"raw/prices_{stamp}.json"
        self.client.put_object(Bucket=self.bucket, Key=key, Body=body)
        return key

    def keep_backup(self, local_file: str) -> None:
        copy = f"backup/prices_{datetime.now():%Y%m%d}.json"
        self.client.upload_file(Filename=local_file, Bucket=self.bucket, Key=copy)
