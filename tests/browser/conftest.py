"""Headless Chromium (Debian's package) driven by Playwright, against the pages the test server serves.

Locally a missing Chromium is a visible skip; with CI=true it is a failure
(`.ci/run` installs Debian's `chromium`). A test tool's own browser download
does not work on this machine, so Playwright launches /usr/bin/chromium.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.backends import unavailable

CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def chromium_path() -> str | None:
    return os.environ.get("OMS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Any]:
    path = chromium_path()
    if path is None:
        unavailable("Chromium", FileNotFoundError("install Debian's chromium package"))
    from playwright.async_api import async_playwright

    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            await launched.close()


@pytest.fixture
async def context(browser: Any) -> AsyncIterator[Any]:
    """A fresh browser profile per test (its own storage), pages failing on any script error."""
    made = await browser.new_context(viewport={"width": 1200, "height": 900})
    errors: list[str] = []
    made.on("weberror", lambda error: errors.append(str(error.error)))
    try:
        yield made
    finally:
        await made.close()
    assert errors == [], errors


def screenshot_path(name: str) -> Path | None:
    """Where to save a page's screenshot when `OMS_SCREENSHOTS` names a folder (`make screenshots`)."""
    folder = os.environ.get("OMS_SCREENSHOTS")
    if not folder:
        return None
    Path(folder).mkdir(parents=True, exist_ok=True)
    return Path(folder) / f"{name}.png"
