"""A real headless Chromium for the browser tests (Playwright driving the system's Chromium), and
the screenshots they save for the README in ``docs/img``."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "docs" / "img"
CHROMIUM = Path(os.environ.get("TAXI_E2E_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--headless=new",
    # We may run as root, where Chromium refuses its sandbox.
    "--no-sandbox",
    "--disable-gpu",
    # Offline machines: nothing may phone home or wait on the network.
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
VIEWPORT = {"width": 1400, "height": 900}
# Two cores shared with a scheduler, workers and possibly other test runs: pages are slow.
UI_TIMEOUT_MS = 60_000


@contextlib.contextmanager
def chromium_page(profile_dir: Path) -> Iterator:
    """A page of a fresh Chromium whose user data lives in ``profile_dir``; skips the test when
    there is no Chromium or no Playwright."""
    sync_api = pytest.importorskip("playwright.sync_api")
    if not CHROMIUM.exists():
        pytest.skip(f"no Chromium at {CHROMIUM} (set TAXI_E2E_CHROMIUM)")
    with sync_api.sync_playwright() as playwright:
        # A persistent context is the only way to hand Chromium a user-data dir of our own.
        context = playwright.chromium.launch_persistent_context(
            str(profile_dir),
            executable_path=str(CHROMIUM),
            headless=True,
            args=CHROMIUM_ARGS,
            viewport=VIEWPORT,
            # Pages show times in the browser's zone unless told otherwise.
            timezone_id="UTC",
            locale="en-US",
        )
        try:
            context.set_default_timeout(UI_TIMEOUT_MS)
            context.set_default_navigation_timeout(UI_TIMEOUT_MS)
            yield context.pages[0] if context.pages else context.new_page()
        finally:
            context.close()


def shoot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    # Spinners and fade-ins settle within a moment once the asserted content is there.
    time.sleep(1.0)
    page.screenshot(path=str(SCREENSHOTS / name))
