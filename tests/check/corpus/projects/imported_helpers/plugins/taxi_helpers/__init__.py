# expect: none
from .downloads import DOWNLOAD_DIR, download_month

__all__ = ["DOWNLOAD_DIR", "download_month"]
