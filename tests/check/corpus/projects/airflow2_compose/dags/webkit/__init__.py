# expect: none
from webkit.remote import Browser  # noqa: F401
