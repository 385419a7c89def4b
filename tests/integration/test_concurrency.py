"""Two operators racing for the last kilogram: through several gunicorn workers, exactly
the feasible requests succeed, the rest are refused cleanly, and the books still balance."""

from __future__ import annotations

import threading
from decimal import Decimal

import requests

from shopfloor.services.invariants import check_all
from tests.factories import balance, make_item, make_location, receive


def test_25_concurrent_moves_of_10_g_from_a_100_g_lot_succeed_exactly_10_times(
        app, operator, token_for, live_server):
    source, target = make_location(app), make_location(app)
    code = receive(app, operator, make_item(app, unit="g"), source, quantity="100")
    headers = {"Authorization": f"Bearer {token_for(operator)}"}
    base = live_server(workers=4)

    start = threading.Barrier(25)
    statuses: list[int] = []
    bodies: list[dict] = []
    lock = threading.Lock()

    def move():
        start.wait(timeout=30)
        response = requests.post(f"{base}/api/v1/moves", headers=headers, timeout=60, json={
            "lot": code, "from": source, "to": target, "quantity": "10"})
        with lock:
            statuses.append(response.status_code)
            bodies.append(response.json())

    threads = [threading.Thread(target=move) for _ in range(25)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [201] * 10 + [409] * 15, bodies
    refusals = [body["error"] for body in bodies if "error" in body]
    assert all(error["field"] == "quantity" for error in refusals)
    assert not any("locked" in error["message"] for error in refusals)
    assert balance(app, code, source) == Decimal(0)
    assert balance(app, code, target) == Decimal(100)
    with app.app_context():
        assert check_all() == []
