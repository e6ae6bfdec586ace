# expect: none
from datetime import datetime

import requests


class NotesJob:
    def __init__(self, folder="data/notes/"):
        self.folder = folder

    def scrape(self, city):
        rows = requests.get(f"https://example.org/notes/{city}", timeout=30).text
        self.save(rows, f"notes_{city}_")

    def save(self, rows, prefix):
        name = prefix + datetime.now().strftime("%Y-%m-%d") + ".json"
        with open(self.folder + name, "w") as handle:
            handle.write(rows)
