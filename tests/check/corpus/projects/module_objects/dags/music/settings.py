# expect: none
"""An object made at import whose constructor only keeps values; its login runs in tasks."""

import requests


class Settings:
    def __init__(self, market):
        self.market = market

    def login(self):
        return requests.post("https://api.example.com/token", data={"market": self.market})


SETTINGS = Settings("SE")
