"""Open a built page from ``file://`` in Debian's Chromium with the network cut off.

Shared by the tests of the course site and the slides. The browser context is offline, and every
request that is not for a local file (or inline data) is aborted and recorded, so a test can
assert that a page asked the network for nothing, not only that it worked without it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

from test_browser import CHROMIUM_ARGS

LOCAL = ("file:", "data:", "blob:", "about:")


@dataclass
class OfflinePage:
    page: object
    blocked: list[str] = field(default_factory=list)  # URLs the page tried to fetch from the network
    errors: list[str] = field(default_factory=list)  # uncaught JavaScript errors


@contextlib.contextmanager
def offline_page(chromium: str, path: Path, viewport=(1300, 900)):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            context = browser.new_context(offline=True, viewport={"width": viewport[0], "height": viewport[1]})
            opened = OfflinePage(page=None)

            def only_local(route):
                if route.request.url.startswith(LOCAL):
                    route.continue_()
                else:
                    opened.blocked.append(route.request.url)
                    route.abort()

            context.route("**/*", only_local)
            opened.page = context.new_page()
            opened.page.set_default_timeout(30_000)
            opened.page.on("pageerror", lambda error: opened.errors.append(str(error)))
            opened.page.goto(path.resolve().as_uri())
            yield opened
        finally:
            browser.close()
