"""The documentation as an operator on a closed network sees it: Debian's chromium, headless, on real processes.

The browser resolves no name and reaches nothing outside loopback (``--host-resolver-rules``),
so a page that still needed a CDN would render nothing. Checked: the gateway's ``/docs``
shows the operations of all four services; signing in with "Authorize", then "Try it out"
on the units list, answers 200; a service's own ``/docs`` signs in at the gateway (its
token URL, by CORS) and its "Try it out" answers 200 too, directly and through the gateway.

Driven with Playwright's Python package on the system's chromium (``executable_path``): no
browser is downloaded. Skipped, saying why, when chromium or the package is missing.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from .stack_support import Stack

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.processes

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip("Debian's chromium is not installed (apt-get install chromium)", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api", reason="the playwright package is not installed (make install)")

# NOTE: every name resolves to nothing, so only 127.0.0.1 can be reached.
OFFLINE = "--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1"
SERVICE_PREFIXES = ("/api/v1/org/", "/api/v1/personnel/", "/api/v1/assets/", "/api/v1/reports/")
ACTION_TIMEOUT_MS = 30_000
# NOTE: Swagger UI renders the gateway's whole merged document (about 130 operations) in
# 10-15 s on a 2-core machine running the stack.
RENDER_TIMEOUT_MS = 120_000


@pytest.fixture(scope="module")
def stack(shared_stack: Stack) -> Stack:
    """The session's shared stack: Cao Bằng imported, every service and the gateway ready."""
    return shared_stack


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=[OFFLINE], timeout=30_000)
        try:
            yield launched
        finally:
            launched.close()


class Visit:
    """One page, with every request it made and every one that failed."""

    def __init__(self, browser: Browser) -> None:
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.page.set_default_timeout(ACTION_TIMEOUT_MS)
        self.requested: list[str] = []
        self.failed: dict[str, str | None] = {}
        self.page.on("request", lambda request: self.requested.append(request.url))
        self.page.on("requestfailed", lambda request: self.failed.update({request.url: request.failure}))

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def visit(browser: Browser) -> Iterator[Visit]:
    opened = Visit(browser)
    try:
        yield opened
    finally:
        opened.close()


def admin(stack: Stack) -> tuple[str, str]:
    user = next(u for u in stack.demo_users if u.role == "admin")
    assert user.password
    return user.username, user.password


def open_docs(page: Page, url: str) -> None:
    """Open a /docs page and wait until Swagger UI has rendered its operations."""
    page.goto(url)
    page.locator(".opblock").first.wait_for(timeout=RENDER_TIMEOUT_MS)


def authorize(page: Page, username: str, password: str) -> None:
    """Sign in as a person does: "Authorize", the password form, "Authorize", "Close"."""
    page.locator(".scheme-container button.authorize").click()
    dialog = page.locator(".dialog-ux .modal-ux")
    dialog.locator("#oauth_username").fill(username)
    dialog.locator("#oauth_password").fill(password)
    dialog.locator(".auth-btn-wrapper button.authorize").click()
    # NOTE: once a token came back, the form turns into "Logout".
    dialog.locator('button[aria-label="Remove authorization"]').wait_for()
    dialog.locator(".auth-btn-wrapper button.btn-done").click()


def try_it_out(page: Page, method: str, path: str) -> str:
    """Open ``method path``, "Try it out", "Execute"; the status the page shows."""
    operation = page.locator(f".opblock-{method}").filter(has=page.locator(f'.opblock-summary-path[data-path="{path}"]'))
    operation.locator(".opblock-summary").first.click()
    operation.locator("button.try-out__btn").click()
    operation.locator("button.execute").click()
    status = operation.locator(".live-responses-table .response .response-col_status").first
    status.wait_for()
    shown: str = status.inner_text()
    return shown.strip()


def only_loopback(visit: Visit) -> None:
    """Everything the page loaded came from loopback, and nothing failed.

    NOTE: ReDoc shows Redocly's logo from its CDN; the docs pages' Content-Security-Policy
    (images from the page's own origin only) stops it in the browser, before any network.
    """
    blocked = {url for url, failure in visit.failed.items() if failure == "csp"}
    hosts = {urlsplit(url).hostname for url in visit.requested if url.startswith("http") and url not in blocked}
    assert hosts == {"127.0.0.1"}, f"the page asked for {sorted(h or '' for h in hosts)}"
    assert not {url: failure for url, failure in visit.failed.items() if url not in blocked}


def test_gateway_docs_show_every_service_offline(stack: Stack, visit: Visit, tmp_path: Path) -> None:
    page = visit.page
    open_docs(page, f"{stack.url('gateway')}/docs")
    paths = page.locator(".opblock-summary-path").evaluate_all("nodes => nodes.map(n => n.getAttribute('data-path'))")
    for prefix in SERVICE_PREFIXES:
        assert any(path.startswith(prefix) for path in paths), f"no operation under {prefix} on the gateway's /docs"
    assert "/api/v1/org/units" in paths
    page.screenshot(path=str(tmp_path / "gateway-docs.png"))
    only_loopback(visit)


def test_sign_in_then_try_the_units_list_on_the_gateway_docs(stack: Stack, visit: Visit) -> None:
    page = visit.page
    open_docs(page, f"{stack.url('gateway')}/docs")
    authorize(page, *admin(stack))
    assert try_it_out(page, "get", "/api/v1/org/units") == "200"
    only_loopback(visit)


def test_a_services_own_docs_sign_in_at_the_gateway(stack: Stack, visit: Visit) -> None:
    page = visit.page
    open_docs(page, f"{stack.url('org-structure')}/docs")
    authorize(page, *admin(stack))
    assert f"{stack.url('gateway')}/api/v1/auth/token" in visit.requested
    assert try_it_out(page, "get", "/units") == "200"
    only_loopback(visit)


def test_a_services_docs_through_the_gateway(stack: Stack, visit: Visit) -> None:
    page = visit.page
    open_docs(page, f"{stack.url('gateway')}/api/v1/org/docs")
    authorize(page, *admin(stack))
    assert try_it_out(page, "get", "/units") == "200"
    assert f"{stack.url('gateway')}/api/v1/org/units" in [url.split("?")[0] for url in visit.requested]
    page.goto(f"{stack.url('gateway')}/api/v1/org/redoc")
    page.locator("redoc [data-section-id]").first.wait_for(timeout=RENDER_TIMEOUT_MS)
    only_loopback(visit)
