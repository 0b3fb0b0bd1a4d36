"""Fixtures: one real server per session, one headless Chromium per test (Debian's chromium and
chromium-driver; no driver download)."""
from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

import server as faramesh

OUTPUT = Path(os.environ.get("FARAMESH_UI_OUTPUT", Path(__file__).resolve().parents[2] / ".ui-test-output"))


@pytest.fixture(scope="session")
def server() -> Iterator[faramesh.Server]:
    binary = os.environ.get("FARAMESH_BIN")
    if not binary:
        raise RuntimeError("FARAMESH_BIN is not set (run scripts/test-ui.sh BIN)")
    running = faramesh.start(binary)
    try:
        yield running
    finally:
        running.stop()


def make_driver(width: int = 1360, height: int = 900) -> webdriver.Chrome:
    options = webdriver.ChromeOptions()
    options.binary_location = os.environ.get("FARAMESH_CHROMIUM", "/usr/bin/chromium")
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 f"--window-size={width},{height}", "--force-color-profile=srgb", "--hide-scrollbars"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(os.environ.get("FARAMESH_CHROMEDRIVER", "/usr/bin/chromedriver")),
                              options=options)
    driver.set_script_timeout(30)
    return driver


@pytest.fixture
def browser(request: pytest.FixtureRequest) -> Iterator[webdriver.Chrome]:
    driver = make_driver()
    try:
        yield driver
    finally:
        OUTPUT.mkdir(parents=True, exist_ok=True)
        # Every test leaves its last screen behind (failures included) for the CI artefacts.
        driver.save_screenshot(str(OUTPUT / f"{request.node.name}.png"))
        driver.quit()


@pytest.fixture
def shots() -> Path:
    OUTPUT.mkdir(parents=True, exist_ok=True)
    return OUTPUT
