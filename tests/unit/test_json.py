"""Large answers (traces, recalls) are written by orjson: byte for byte what the app's JSON
provider writes, for everything the API puts in an answer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from flask import Flask

from shopfloor.json import ShopfloorJSONProvider, large_response

BODY = {
    "text": "Ünïcödé ✓ 蜡烛 \"quoted\" back\\slash / \u2028 \u2029 \x7f",
    "controls": "".join(chr(code) for code in range(32)),
    "numbers": [0, -1, 2**63 - 1, True, False, None],
    "decimals": [Decimal("12.500"), Decimal("0.000001"), Decimal("-3"), Decimal("1E+3")],
    "dates": [date(2025, 11, 26), date(1, 1, 1)],
    "datetimes": [datetime(2025, 11, 26, 4, 5, 6), datetime(2025, 11, 26, 4, 5, 6, 789),
                  datetime(2025, 11, 26, 4, 5, 6, 789, tzinfo=UTC),
                  datetime(2025, 1, 2, 3, 4, 5, tzinfo=timezone(timedelta(hours=-5)))],
    "nested": {"empty": {}, "list": [[], [{}]], "shared": None},
}
BODY["nested"]["shared"] = [BODY["dates"], BODY["dates"]]


@pytest.fixture
def app():
    app = Flask(__name__)
    app.json = ShopfloorJSONProvider(app)
    return app


def test_a_large_answer_is_the_same_bytes_as_the_providers(app):
    with app.app_context():
        fast, usual = large_response(BODY), app.json.response(BODY)
    assert fast.get_data() == usual.get_data()
    assert fast.mimetype == usual.mimetype == "application/json"
    assert fast.get_data().endswith(b"}\n")


def test_in_debug_mode_a_large_answer_is_indented_as_any_other(app):
    app.debug = True
    with app.app_context():
        assert large_response(BODY).get_data() == app.json.response(BODY).get_data()
