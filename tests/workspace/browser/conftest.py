"""Real headless Chromium (Debian's ``/usr/bin/chromium`` driven by its
``/usr/bin/chromedriver``, through Selenium): one browser per test module, nothing
downloaded at run time. Missing in CI (``CI=true``): the tests fail; elsewhere they skip.

The browser reads pages in Chinese (``Accept-Language: zh-CN``); downloads land in a
temporary folder; ``shot(name)`` saves a screenshot under ``test-artefacts/screenshots/``.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import missing_service

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMEDRIVER = Path(os.environ.get("CHROMEDRIVER", "/usr/bin/chromedriver"))
ARTEFACTS = Path(__file__).resolve().parents[3] / "test-artefacts" / "screenshots"
# Selenium Manager must never look for a driver or a browser on the internet.
os.environ.setdefault("SE_OFFLINE", "true")
os.environ.setdefault("SE_AVOID_STATS", "true")


@dataclass
class Chromium:
    driver: object  # selenium.webdriver.Chrome
    downloads: Path

    def shot(self, name: str) -> Path:
        ARTEFACTS.mkdir(parents=True, exist_ok=True)
        path = ARTEFACTS / f"{name}.png"
        self.driver.save_screenshot(str(path))  # type: ignore[attr-defined]
        return path

    def downloaded(self, name: str, timeout_s: float = 10.0) -> bytes:
        path = self.downloads / name
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if path.is_file() and not (self.downloads / f"{name}.crdownload").exists():
                return path.read_bytes()
            time.sleep(0.05)
        raise AssertionError(f"{name} was not downloaded within {timeout_s} s")


@pytest.fixture(scope="module")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Chromium]:
    if not (CHROMIUM.is_file() and CHROMEDRIVER.is_file()):
        missing_service(f"Chromium ({CHROMIUM}) with its driver ({CHROMEDRIVER})")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    downloads = tmp_path_factory.mktemp("downloads")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
        "--window-size=1280,1000", "--lang=zh-CN", "--force-device-scale-factor=1",
    ):  # fmt: skip
        options.add_argument(argument)
    options.add_experimental_option(
        "prefs",
        {"intl.accept_languages": "zh-CN,zh", "download.default_directory": str(downloads),
         "download.prompt_for_download": False},
    )  # fmt: skip
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.implicitly_wait(5)  # a page that has not arrived yet is waited for, not failed
    try:
        yield Chromium(driver, downloads)
    finally:
        driver.quit()


@pytest.fixture
def database_url(postgres_database: str) -> str:
    """The browser tests run against this run's PostgreSQL database."""
    return postgres_database
