"""Login rate limiting that holds across gunicorn workers, under a burst.

tests/functional/test_auth.py shows that two app instances share the count. Here the real
thing: gunicorn with four workers, and the guesses arrive all at once, each from a browser
session of its own (its own cookie and CSRF token), so several workers judge them at the
same moment. However they interleave, exactly as many passwords are tried as the limit
allows (5 per user and address, 20 per address), every other guess is refused with 429
without looking at the password, and then even the right password is refused.

Each round comes from its own loopback address (127.0.0.N), which the server sees as
`remote_addr`; `--long` plays many rounds.
"""

from __future__ import annotations

import re
import threading

import pytest
import requests
from requests.adapters import HTTPAdapter

from tests.conftest import PASSWORD

pytestmark = pytest.mark.reliability

PER_USER_AND_ADDRESS, PER_ADDRESS = 5, 20
SHORT_ROUNDS, LONG_ROUNDS = 1, 10


class _FromAddress(HTTPAdapter):
    """Connect from a given loopback address."""

    def __init__(self, address: str):
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def _browser(base: str, address: str) -> tuple[requests.Session, str]:
    """A session that has opened the login page: its cookie and CSRF token."""
    session = requests.Session()
    session.mount("http://", _FromAddress(address))
    page = session.get(f"{base}/login", timeout=60)
    assert page.status_code == 200
    token = re.search(r'name="csrf-token" content="([^"]+)"', page.text).group(1)
    for cookie in session.cookies:  # Secure (SHOPFLOOR_BASE_URL is https); a browser sends
        cookie.secure = False       # it to a loopback address anyway, requests would not
    return session, token


def _burst(base: str, address: str, credentials: list[tuple[str, str]]) -> list[int]:
    """Every (username, password) posted at the same moment, each from its own session."""
    browsers = [_browser(base, address) for _ in credentials]
    barrier = threading.Barrier(len(credentials))
    statuses: list[int | None] = [None] * len(credentials)

    def attempt(index: int):
        (session, token), (username, password) = browsers[index], credentials[index]
        barrier.wait(timeout=60)
        response = session.post(f"{base}/login", timeout=120, allow_redirects=False, data={
            "username": username, "password": password, "csrf_token": token})
        statuses[index] = response.status_code

    threads = [threading.Thread(target=attempt, args=(n,), daemon=True)
               for n in range(len(credentials))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(200)
    assert None not in statuses, "a login attempt did not finish"
    return statuses


def test_a_burst_of_guesses_through_four_workers_tries_no_more_passwords_than_the_limit(
        make_user, live_server, long):
    victim, bystander = make_user("operator"), make_user("operator")
    base = live_server(workers=4)
    rounds = LONG_ROUNDS if long else SHORT_ROUNDS
    for round_number in range(rounds):
        address = f"127.0.0.{10 + round_number}"

        # 16 wrong passwords for one user at once: 5 are tried, 11 refused unseen.
        statuses = _burst(base, address, [(victim, f"guess {k}") for k in range(16)])
        assert sorted(statuses) == [401] * PER_USER_AND_ADDRESS + [429] * 11, statuses
        assert _burst(base, address, [(victim, PASSWORD)]) == [429]

        # 30 made-up usernames at once from the same address: it had 5 failures, so 15
        # more are tried and 15 refused; then nobody signs in from there.
        statuses = _burst(base, address, [(f"nobody{k}", "guess") for k in range(30)])
        tried = PER_ADDRESS - PER_USER_AND_ADDRESS
        assert sorted(statuses) == [401] * tried + [429] * (30 - tried), statuses
        assert _burst(base, address, [(bystander, PASSWORD)]) == [429]

        # Another address is not locked out by any of it.
        assert _burst(base, f"127.0.1.{10 + round_number}", [(bystander, PASSWORD)]) == [302]
    print(f"login limit: {rounds} rounds of 16 + 30 simultaneous guesses, "
          f"{rounds * PER_ADDRESS} passwords tried, {rounds * 26} refused unseen")
