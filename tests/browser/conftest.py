"""Browser tests: Debian's Chromium, driven by Playwright, against a real HTTPS server.

The server runs in a thread over the synthetic demo on SQLite (generated once per run by the same
code as ``listwarden demo``). These tests take no ``database_url`` parameter, so the count of
database tests per backend that ``tests/conftest.py`` compares is untouched. Every page a test
visits is checked with axe-core (no serious or critical violations) and against the Content
Security Policy (no violation may be reported), and a screenshot is kept under test-artifacts/.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyotp
import pytest
import uvicorn
from playwright.sync_api import (
    Browser,
    ConsoleMessage,
    Page,
    Playwright,
    expect,
    sync_playwright,
)
from sqlalchemy import select

from listwarden.bootstrap import Register, open_register
from listwarden.demo.generator import DemoSummary, generate_demo
from listwarden.settings import Settings
from listwarden.setup import tls_paths
from listwarden.store.tables import Event
from listwarden.web.app import create_app
from listwarden.web.templating import STATIC_DIR

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path(os.environ.get("LISTWARDEN_CHROMIUM", "/usr/bin/chromium"))
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
ARTIFACTS = ROOT / "test-artifacts" / "browser"
DEMO_SUBJECTS = int(os.environ.get("LISTWARDEN_BROWSER_DEMO_SUBJECTS", "250"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _require(path: Path, how: str) -> None:
    if not path.exists():
        pytest.skip(f"{path} is missing: {how}")


@dataclass
class Demo:
    settings: Settings
    summary: DemoSummary
    base_url: str
    register: Register
    cookies: dict[str, list[Any]] = field(default_factory=dict)
    """Each role signs in through the form once: a TOTP code is good only once."""

    def user_id(self, role: str) -> str:
        """The demo account of ``role`` (the demo holds other users of some roles too)."""
        return self.summary.accounts[role].account

    def events(self, operation: str, **where: str) -> list[Event]:
        """Access-log events of one operation, filtered by identifier columns."""
        query = select(Event).where(Event.operation == operation)
        for column, value in where.items():
            query = query.where(getattr(Event, column) == value)
        with self.register.uow.read_only() as session:
            return list(session.scalars(query.order_by(Event.id)))


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The synthetic demo served over HTTPS on a free loopback port, in a thread."""
    _require(STATIC_DIR / "govuk-frontend.min.css", "run 'make assets'")
    settings = Settings(home=tmp_path_factory.mktemp("browser-demo") / "home")
    summary = generate_demo(settings, subjects=DEMO_SUBJECTS, progress=False)
    register = open_register(settings)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    cert, key = tls_paths(settings)
    config = uvicorn.Config(
        create_app(register),
        host="127.0.0.1",
        port=port,
        log_level="warning",
        ssl_certfile=str(cert),
        ssl_keyfile=str(key),
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield Demo(settings, summary, f"https://127.0.0.1:{port}", register)
    server.should_exit = True
    thread.join(timeout=10)
    register.close()


@pytest.fixture(scope="session")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="session")
def browser(playwright: Playwright) -> Iterator[Browser]:
    _require(CHROMIUM, "install Debian's chromium package (make system-deps)")
    _require(AXE, "run 'make assets' (npm ci installs axe-core)")
    launched = playwright.chromium.launch(
        executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS
    )
    yield launched
    launched.close()


@dataclass
class Visit:
    """One browser tab with the checks every page must pass."""

    page: Page
    demo: Demo
    javascript: bool = True
    csp_violations: list[str] = field(default_factory=list)

    def sign_in(self, role: str) -> None:
        """Act as the demo account of ``role`` from now on, signing in at most once per role."""
        context = self.page.context
        context.clear_cookies()
        if role in self.demo.cookies:
            context.add_cookies(self.demo.cookies[role])
            return
        self.fill_sign_in(role)
        expect(self.page.get_by_role("heading", level=1)).to_have_text("Your work")
        self.demo.cookies[role] = list(context.cookies())

    def fill_sign_in(self, role: str, code: str | None = None) -> None:
        """Sign in through the form with the demo account's password and its current code."""
        account = self.demo.summary.accounts[role]
        self.page.goto("/sign-in")
        self.page.get_by_label("Account reference").fill(account.account)
        self.page.get_by_label("Password", exact=True).fill(account.password)
        self.page.get_by_label("Security code").fill(code or pyotp.TOTP(account.totp_secret).now())
        self.page.get_by_role("button", name="Sign in").click()

    def check(self, name: str) -> None:
        """Accessibility (axe-core, WCAG 2.2 AA), CSP, and a screenshot kept as an artifact."""
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
        assert self.csp_violations == [], f"CSP violations on {name}: {self.csp_violations}"
        if not self.javascript:
            return  # axe-core needs scripts; the same pages are checked with them on
        result: dict[str, Any] = self.page.evaluate(
            """async () => await axe.run(document, {
                runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa',
                                                'wcag22aa', 'best-practice']}
            })"""
        )
        serious = [
            f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(n["target"][0] for n in v["nodes"][:3])
            for v in result["violations"]
            if v["impact"] in ("serious", "critical")
        ]
        assert serious == [], f"accessibility violations on {name}: {serious}"


def _open(browser: Browser, demo: Demo, *, javascript: bool, axe: bool = True) -> Visit:
    context = browser.new_context(
        base_url=demo.base_url, ignore_https_errors=True, java_script_enabled=javascript
    )
    if axe:
        # Init scripts are injected by the browser itself, so the page's strict CSP still holds
        # for everything the page loads while axe-core is available to the checks.
        context.add_init_script(path=str(AXE))
    page = context.new_page()
    tab = Visit(page, demo, javascript)

    def on_console(message: ConsoleMessage) -> None:
        if "Content Security Policy" in message.text:
            tab.csp_violations.append(message.text)

    page.on("console", on_console)
    return tab


@pytest.fixture
def visit(browser: Browser, demo: Demo) -> Iterator[Visit]:
    tab = _open(browser, demo, javascript=True)
    yield tab
    tab.page.context.close()


@pytest.fixture
def visit_for_timing(browser: Browser, demo: Demo) -> Iterator[Visit]:
    """A tab as a person has it: without axe-core parsed into every page it loads."""
    tab = _open(browser, demo, javascript=True, axe=False)
    yield tab
    tab.page.context.close()


@pytest.fixture
def visit_without_js(browser: Browser, demo: Demo) -> Iterator[Visit]:
    """A tab with JavaScript switched off: every page must still work."""
    tab = _open(browser, demo, javascript=False)
    yield tab
    tab.page.context.close()
