"""The console as a test sees it: sign in, wait for rows, read the drawer."""
from __future__ import annotations

from typing import Any

from selenium.common.exceptions import StaleElementReferenceException, TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait
from selenium.webdriver.chrome.webdriver import WebDriver

WAIT = 10


class Console:
    def __init__(self, driver: WebDriver, base: str) -> None:
        self.driver = driver
        self.base = base

    def wait(self, condition: Any, timeout: float = WAIT, message: str = "") -> Any:
        return WebDriverWait(self.driver, timeout, poll_frequency=0.05).until(condition, message)

    def css(self, selector: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, selector)

    def all(self, selector: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, selector)

    def visible(self, selector: str, timeout: float = WAIT) -> WebElement:
        return self.wait(lambda d: next((e for e in d.find_elements(By.CSS_SELECTOR, selector) if e.is_displayed()), False),
                         timeout, f"{selector} not visible")

    def open(self, path: str = "/") -> None:
        self.driver.get(self.base + path)

    def sign_in(self, token: str, path: str = "/") -> None:
        self.open(path)
        field = self.visible("#token-input")
        assert field.get_attribute("type") == "password"
        field.send_keys(token)
        self.css("#signin-form button[type=submit]").click()
        self.loaded()

    def loaded(self) -> None:
        self.wait(lambda d: d.execute_script("return document.getElementById('queue').dataset.loaded === 'true'"),
                  message="queue never finished loading")
        self.wait(lambda d: self.css("#conn").get_attribute("data-state") == "live", message="stream never went live")

    def row(self, action_id: str, timeout: float = WAIT) -> WebElement:
        return self.visible(f'tr.row[data-id="{action_id}"]', timeout)

    def row_status(self, action_id: str) -> str:
        # Read in one script: rows are redrawn in place, so a found element may go stale.
        return self.driver.execute_script(
            "const p = document.querySelector(`tr.row[data-id=\"${arguments[0]}\"] .pill`); return p ? p.textContent : ''",
            action_id)

    def row_text(self, action_id: str, selector: str = "") -> str:
        """Text of a row (or of an element in it), read in one script so redraws cannot go stale."""
        return self.driver.execute_script(
            "const r = document.querySelector(`tr.row[data-id=\"${arguments[0]}\"]`);"
            "const e = r && (arguments[1] ? r.querySelector(arguments[1]) : r); return e ? e.textContent : ''",
            action_id, selector)

    def click_in_row(self, action_id: str, selector: str) -> None:
        for _ in range(20):
            try:
                self.row(action_id).find_element(By.CSS_SELECTOR, selector).click()
                return
            except StaleElementReferenceException:
                continue
        raise AssertionError(f"{selector} in row {action_id} kept being redrawn")

    def wait_status(self, action_id: str, status: str, timeout: float = WAIT) -> None:
        try:
            self.wait(lambda d: self.row_status(action_id) == status, timeout)
        except TimeoutException:
            raise AssertionError(f"row {action_id} is {self.row_status(action_id)!r}, expected {status!r}") from None

    def open_drawer(self, action_id: str) -> WebElement:
        self.click_in_row(action_id, "td.age")
        return self.wait(lambda d: d.find_element(By.CSS_SELECTOR, "#drawer-body pre.json") if
                         not self.css("#drawer").get_attribute("hidden") else False, message="drawer did not open")

    def console_errors(self) -> list[str]:
        """Errors in the browser console, except the sign-in probe's expected 401 (no token yet)."""
        return [entry["message"] for entry in self.driver.get_log("browser")
                if entry["level"] in ("SEVERE", "ERROR") and "/v1/auth/whoami - Failed to load resource" not in entry["message"]]
