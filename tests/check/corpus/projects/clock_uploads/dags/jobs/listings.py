# expect: none
import glob
import os
from datetime import datetime

import boto3
import requests


class ListingsJob:
    def __init__(self, folder="data/listings/"):
        self.folder = folder

    def scrape(self, city):
        rows = requests.get(f"https://example.org/listings/{city}", timeout=30).text
        self.save(rows, f"listings_{city}_")

    def save(self, rows, prefix):
        name = prefix + datetime.now().strftime("%Y-%m-%d") + ".json"
        with open(self.folder + name, "w") as handle:
            handle.write(rows)

    def scrape_stamped(self, city):
        rows = requests.get(f"https://example.org/listings/{city}", timeout=30).text
        name = f"listings_{city}_" + datetime.now().strftime("%Y-%m-%d_%H-%M-%S") + ".json"
        with open(self.folder + name, "w") as handle:
            handle.write(rows)

    def upload(self):
        s3 = boto3.client("s3")
        for path in glob.glob(self.folder + "*.json"):
            s3.upload_file(path, "listings-bucket", "raw/" + os.path.basename(path))
