"""Helpers for the chat page's browser tests: Debian's chromium driven by Playwright, and a page
on it that records what it saw (dialogs, script errors, requests leaving 127.0.0.1, live markup).

Never ``playwright install``: it downloads a browser. ``.ci/run`` installs chromium with apt-get.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run"]
TIMEOUT_MS = 60_000
WIDE, PHONE = {"width": 1280, "height": 900}, {"width": 390, "height": 844}
ANSWERED = "#nd-chat details.nd-how, #nd-chat .nd-error"  # an answer's "how this was answered", or an error

# Installed before any page script: records dialogs, inline handlers, script nodes and javascript:
# links as they enter the document, so "nothing ran" is observed, not assumed.
HOOK = """
window.__ndEvents = [];
for (const name of ["alert", "confirm", "prompt", "print"]) {
  window[name] = (...args) => { window.__ndEvents.push(name + ":" + String(args[0])); };
}
const inspect = (el) => {
  if (el.nodeType !== 1) return;
  for (const node of [el, ...el.querySelectorAll("*")]) {
    for (const attr of node.attributes) {
      if (/^on/i.test(attr.name)) window.__ndEvents.push("handler:" + node.tagName + "." + attr.name);
    }
    if (node.tagName === "SCRIPT" && node.closest("gradio-app")) window.__ndEvents.push("script:" + node.textContent.slice(0, 60));
    if (/^\\s*javascript:/i.test(node.getAttribute("href") || "")) window.__ndEvents.push("js-link:" + node.getAttribute("href"));
  }
};
new MutationObserver((records) => {
  for (const record of records) {
    if (record.type === "attributes") inspect(record.target);
    for (const node of record.addedNodes) inspect(node);
  }
}).observe(document, { childList: true, subtree: true, attributes: true });
"""


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        reason = f"Debian's chromium is not installed at {CHROMIUM} (.ci/run installs it: apt-get install chromium)"
        if os.environ.get("CI_REQUIRE_BROWSER"):
            pytest.fail(reason)
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=FLAGS)
        yield chromium
        chromium.close()


class Page:
    """A fresh browser page on the chat, with what it saw recorded."""

    def __init__(self, browser, url: str, viewport: dict[str, int]):
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.page.set_default_timeout(TIMEOUT_MS)
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("dialog", lambda d: (self.dialogs.append(d.message), d.dismiss()))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.route("**/*", self._route)
        self.page.add_init_script(HOOK)
        self.page.goto(url)
        self.page.wait_for_selector("#nd-question textarea")

    def _route(self, route) -> None:
        if route.request.url.startswith(("http://127.0.0.1", "data:", "blob:")):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def ask(self, question: str) -> str:
        """Asks in the page as a user would; returns the text of the answer once it is final."""
        answered = self.page.locator(ANSWERED).count()
        self.page.fill("#nd-question textarea", question)
        self.page.click("#nd-ask")
        self.wait_for_answer(answered)
        assert self.page.input_value("#nd-question textarea") == "", "the question box is cleared once asked"
        return self.page.locator('#nd-chat [data-testid="bot"]').last.inner_text()

    def wait_for_answer(self, answered: int) -> None:
        self.page.wait_for_function("([sel, n]) => document.querySelectorAll(sel).length > n", arg=[ANSWERED, answered])

    def box(self, selector: str) -> dict[str, float]:
        """Where an element is on the page (the first one ``selector`` finds; the last with ``:last``)."""
        locator = self.page.locator(selector.removesuffix(":last"))
        return (locator.last if selector.endswith(":last") else locator.first).bounding_box()

    def events(self) -> list[str]:
        return self.page.evaluate("window.__ndEvents")


@pytest.fixture
def open_page(browser):
    """Opens fresh pages; each is checked on closing for outside requests and script errors."""
    opened: list[Page] = []

    def open_(url: str, viewport: dict[str, int] = WIDE) -> Page:
        opened.append(Page(browser, url, viewport))
        return opened[-1]

    yield open_
    for view in opened:
        view.context.close()
        assert view.outside == [], f"the page tried to reach outside: {view.outside}"
        assert view.errors == [], f"script errors in the page: {view.errors}"


def quote_of(card) -> str:
    """The quote a source card shows (not the copy marked in its context)."""
    return card.locator(":scope > blockquote mark").inner_text()
