"""Browser tests: Debian's Chromium driven by Playwright (never `playwright install`, which
downloads a browser of its own), at a phone's size, against a live gunicorn serving the test's
own database. `scripts/system-deps` installs Chromium and ffmpeg."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.conftest import PASSWORD

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
PHONE = {"width": 390, "height": 844}
VENDOR = Path(__file__).parent / "vendor"


@pytest.fixture(scope="session")
def playwright():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run scripts/system-deps (as root) to install it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as instance:
        yield instance


def launch(playwright, extra_args=(), **options):
    return playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                      args=[*CHROMIUM_ARGS, *extra_args], **options)


@pytest.fixture(scope="session")
def browser(playwright):
    browser = launch(playwright)
    yield browser
    browser.close()


def phone_context(browser, **options):
    """A new profile the size of a phone: empty caches, no service worker yet. Uncaught
    script errors of its pages are collected in `context.page_errors`."""
    context = browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True,
                                  device_scale_factor=2, **options)
    context.page_errors = []
    context.on("page", lambda page: page.on("pageerror", lambda e: context.page_errors.append(e)))
    return context


def sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/login")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^(?!.*/login).*$"))


def sign_in_without_a_page(context, base: str, username: str) -> None:
    """Sign the context in through its request API, so no page (and no file) is loaded."""
    login = context.request.get(f"{base}/login").text()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    response = context.request.post(f"{base}/login", form={
        "csrf_token": token, "username": username, "password": PASSWORD})
    assert response.ok and "/login" not in response.url, response.url


def wait_for_service_worker(page, seconds: float = 30) -> None:
    """Until the page is controlled by the active service worker; after `seconds`, fail
    saying how far the worker got (a promise that never settles would hang the suite)."""
    page.evaluate("""async (seconds) => {
        const controlled = (async () => {
            await navigator.serviceWorker.ready;
            if (!navigator.serviceWorker.controller) {
                await new Promise((resolve) => navigator.serviceWorker.addEventListener(
                    "controllerchange", resolve, { once: true }));
            }
        })();
        const late = new Promise((_, reject) => setTimeout(async () => {
            const reg = await navigator.serviceWorker.getRegistration("/");
            const state = (w) => w ? w.state : "none";
            reject(new Error(`no controlling service worker after ${seconds} s: registration `
                + `${reg ? "found" : "missing"}, installing ${state(reg?.installing)}, waiting `
                + `${state(reg?.waiting)}, active ${state(reg?.active)}, controller `
                + `${state(navigator.serviceWorker.controller)}`));
        }, seconds * 1000));
        await Promise.race([controlled, late]);
    }""", seconds)


def wait_for_forms(page) -> None:
    """Until static/js/forms.js and outbox.js, which app.js loads on pages with forms that
    work offline, are running."""
    page.evaluate("""async () => {
        while (!window.ShopfloorForms || !window.ShopfloorOutbox) {
            await new Promise((resolve) => setTimeout(resolve, 20));
        }
    }""")


@pytest.fixture
def server(live_server):
    return live_server(1)


@pytest.fixture
def ffmpeg():
    path = shutil.which("ffmpeg")
    if path is None:
        pytest.fail("ffmpeg is missing: run scripts/system-deps (as root) to install it")
    return path
