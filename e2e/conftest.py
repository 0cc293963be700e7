"""The journeys' machinery (issue 14): the portal served by gunicorn on a port of its own, a real
Celery worker, an SMTP sink, all against this test's PostgreSQL database and Redis; Debian's
Chromium driven by Playwright (never a browser of Playwright's own: PLAYWRIGHT_SKIP_BROWSER_
DOWNLOAD, executable_path). Every step is photographed at a desktop and a phone width into
e2e/screenshots/, and checked there for sideways scrolling and console errors."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from notifications.tests.fixtures import free_port, wait_for, worker_environment

# Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
# ordinary synchronous ones between its steps.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

SCREENSHOTS = Path(__file__).parent / "screenshots"
# axe-core from the npm registry (e2e/package.json; `make e2e` and .ci/run install it).
AXE = Path(__file__).parent / "node_modules" / "axe-core" / "axe.min.js"
WIDTHS = (1280, 375)
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
PORTAL_APPLICATION_NAME = "tandem-e2e-portal"


@pytest.fixture(autouse=True)
def _passwords_gunicorn_can_check(settings):
    """The suite hashes with MD5 for speed; the served portal checks with Django's default
    hashers, so the journeys' people get a password it can read."""
    from django.conf import global_settings

    settings.PASSWORD_HASHERS = global_settings.PASSWORD_HASHERS


@dataclass
class Portal:
    base: str
    log_path: Path
    # How PostgreSQL names gunicorn's connections (PGAPPNAME, which libpq reads): a test can
    # tell them from the test process's own and the worker's.
    application_name: str = PORTAL_APPLICATION_NAME

    def url(self, path: str) -> str:
        return self.base + path


@pytest.fixture
def portal(transactional_db, smtp_sink, tmp_path, settings, worker_queue,
           celery_worker) -> Iterator[Portal]:
    """gunicorn serving this test's database, its email going to the sink through the worker."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**worker_environment(queue=worker_queue, smtp_port=smtp_sink.port,
                                var_dir=tmp_path, settings=settings),
           "TANDEM_SITE_URL": base,
           # allauth's rate limits count in the cache: each run's portal counts on its own.
           "TANDEM_CACHE_PREFIX": f"e2e-{uuid.uuid4().hex}",
           "PGAPPNAME": PORTAL_APPLICATION_NAME}
    log_path = tmp_path / "gunicorn.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "portal.wsgi", "--workers", "2", "--bind",
             f"127.0.0.1:{port}", "--timeout", "60", "--graceful-timeout", "2"],
            cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    served = Portal(base=base, log_path=log_path)

    def answers() -> bool:
        import urllib.request

        if process.poll() is not None:
            pytest.fail(f"gunicorn exited:\n{log_path.read_text()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=2) as response:  # noqa: S310
                return response.status == 200
        except OSError:
            return False

    try:
        assert wait_for(answers, timeout=60, interval=0.3), log_path.read_text()
        yield served
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@dataclass
class Camera:
    """Photographs each step at both widths, audits it with axe-core, and keeps what a person
    would have noticed: sideways scrolling and accessibility violations."""

    journey: str
    problems: list[str] = field(default_factory=list)
    count: int = 0

    def shoot(self, page, step: str) -> None:
        self.count += 1
        name = f"{self.journey}-{self.count:02d}-{re.sub(r'[^a-z0-9]+', '-', step.lower())}"
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{width}.png"), full_page=True)
            scroll = page.evaluate("document.documentElement.scrollWidth")
            if scroll > width:
                self.problems.append(f"{step}: {scroll} px wide at {width} px")
            for violation in axe_violations(page):
                self.problems.append(f"{step} at {width} px: axe {violation}")
        page.set_viewport_size({"width": WIDTHS[0], "height": 900})


def axe_violations(page) -> list[str]:
    """axe-core's WCAG 2 A/AA violations on the page as it is. The audit's script is handed to
    the page through the browser's debugging protocol, which the page's Content-Security-Policy
    does not govern; the page's own scripts stay under it."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text() + "\n;0")
    results = page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})).violations"
        ".map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(', '))")
    return list(results)


@pytest.fixture
def browser() -> Iterator:
    from playwright.sync_api import sync_playwright

    SCREENSHOTS.mkdir(exist_ok=True)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
            "--disable-background-networking", "--disable-component-update", "--disable-sync"])
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser):
    """A page in a fresh context (a person of their own), collecting console errors and
    failed requests into ``page.problems``."""
    contexts = []

    def make():
        context = browser.new_context()
        contexts.append(context)
        page = context.new_page()
        page.problems = []
        # Console errors include any Content-Security-Policy violation the page causes.
        page.on("console", lambda message: page.problems.append(message.text)
                if message.type == "error" else None)
        # A request the browser itself abandoned when the page moved on is not a failure.
        page.on("requestfailed", lambda request: None
                if "ERR_ABORTED" in (request.failure or "")
                else page.problems.append(f"failed: {request.url} ({request.failure})"))
        return page

    yield make
    for context in contexts:
        context.close()
