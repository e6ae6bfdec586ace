# expect: none
"""Reads plays with the session's token."""

import requests

from .session import current_token


def recent_plays():
    headers = {"Authorization": f"Bearer {current_token()}"}
    return requests.get("https://api.example.com/plays", headers=headers).json()
