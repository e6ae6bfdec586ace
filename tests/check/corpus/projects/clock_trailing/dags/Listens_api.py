# expect: none
import datetime

import requests


def _request(token):
    def since_ms():
        back = datetime.datetime.now() - datetime.timedelta(days=7)
        return int(back.timestamp() * 1000)

    url = f"https://api.example.com/v1/me/listens?limit=50&after={since_ms()}"
    return requests.get(url, headers={"Authorization": token}, timeout=30).json()


def pull_listens():
    return _request("token")
