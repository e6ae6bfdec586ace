# expect: TP007@22, TP007@23
"""An API session made, and logged in, when the module is imported."""

import requests
from airflow.models import Variable


class ApiSession:
    def __init__(self):
        self.client_id = Variable.get("music_client_id")
        self.access_token = None

    def login(self):
        reply = requests.post("https://api.example.com/token", data={"id": self.client_id})
        self.access_token = reply.json()["token"]


def current_token():
    return session.access_token


session = ApiSession()
session.login()
