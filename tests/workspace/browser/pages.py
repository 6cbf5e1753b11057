"""Driving the workspace's pages as a person does: fill, choose, press, read.

The pages are served by the app in this test's event loop, so every WebDriver command
(which blocks until the page has answered) runs in a worker thread."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests.workspace.browser.conftest import Chromium
from tests.workspace.conftest import PASSWORD


@dataclass
class Person:
    """A person at the browser, on one server."""

    chromium: Chromium
    base_url: str

    @property
    def driver(self) -> Any:
        return self.chromium.driver

    async def _run(self, action: Any, *args: Any) -> Any:
        return await asyncio.to_thread(action, *args)

    async def open(self, path: str) -> None:
        await self._run(self.driver.get, self.base_url + path)

    async def back(self) -> None:
        await self._run(self.driver.back)

    async def fill(self, element_id: str, value: str) -> None:
        def fill() -> None:
            field = self.driver.find_element(By.ID, element_id)
            field.clear()
            field.send_keys(value)

        await self._run(fill)

    async def choose(self, element_id: str, value: str) -> None:
        await self._run(
            lambda: Select(self.driver.find_element(By.ID, element_id)).select_by_value(value)
        )

    async def press(self, element_id: str) -> None:
        """Press a button that submits a form; returns once the next page has loaded."""
        await self._navigate(By.ID, element_id)

    async def click(self, css: str) -> None:
        """Follow a link (or press a button) to the next page."""
        await self._navigate(By.CSS_SELECTOR, css)

    async def tap(self, element_id: str) -> None:
        """Click something that does not leave the page (a download link)."""
        await self._run(lambda: self.driver.find_element(By.ID, element_id).click())

    async def _navigate(self, by: str, what: str) -> None:
        def navigate() -> None:
            page = self.driver.find_element(By.TAG_NAME, "html")
            self.driver.find_element(by, what).click()
            WebDriverWait(self.driver, 10).until(lambda _: _is_gone(page))
            WebDriverWait(self.driver, 10).until(
                lambda d: d.execute_script("return document.readyState") == "complete"
            )

        await self._run(navigate)

    async def text(self, css: str) -> str:
        return str(await self._run(lambda: self.driver.find_element(By.CSS_SELECTOR, css).text))

    async def count(self, css: str) -> int:
        return len(await self._run(self.driver.find_elements, By.CSS_SELECTOR, css))

    async def attribute(self, css: str, name: str) -> str | None:
        found = await self._run(
            lambda: self.driver.find_element(By.CSS_SELECTOR, css).get_attribute(name)
        )
        return None if found is None else str(found)

    async def script(self, code: str) -> Any:
        return await self._run(self.driver.execute_script, code)

    async def shot(self, name: str) -> None:
        await self._run(self.driver.execute_script, "window.scrollTo(0, 0)")
        await self._run(self.chromium.shot, name)

    async def downloaded(self, name: str) -> bytes:
        return bytes(await self._run(self.chromium.downloaded, name))

    async def sign_in(self, username: str) -> None:
        await self._run(self.driver.delete_all_cookies)
        await self.open("/workspace/")
        await self.fill("username", username)
        await self.fill("password", PASSWORD)
        await self.click("form button[type=submit]")

    async def sign_out(self) -> None:
        await self.click("form[action='/workspace/sign-out'] button")


def _is_gone(element: Any) -> bool:
    """Whether the page that held `element` has been replaced.

    Selenium's `staleness_of` knows only StaleElementReferenceException; Chromium may
    instead answer, mid-navigation, that the node "does not belong to the document"."""
    try:
        element.is_enabled()
    except StaleElementReferenceException:
        return True
    except WebDriverException as error:
        if "does not belong to the document" in str(error.msg):
            return True
        raise
    return False
