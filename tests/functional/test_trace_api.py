"""The shipping, genealogy and recall API over HTTP with bearer tokens, on the `history` of
the traceability tests: wax and oil made into a base, the base into candles, candles shipped
to two customers, a second wax lot left unused."""

from __future__ import annotations

import json
import sys
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.shipping import Shipment
from shopfloor.models.stock import Lot
from tests.factories import balance, count_rows, make_chain
from tests.integration.test_traceability import history  # noqa: F401  (fixture)

pytestmark = pytest.mark.usefixtures("history")


def lot_status(app, code) -> str:
    with app.app_context():
        return db.session.scalar(sa.select(Lot.status).where(Lot.code == code))


# --- shipments ---------------------------------------------------------------------------------

def test_shipping_answers_201_with_the_shipment(app, api):
    response = api("operator").post("/api/v1/shipments", json={
        "customer": "Market Stall", "reference": "INV-3000",
        "lines": [{"lot": "CANDLE-1", "quantity": "1"}]})
    assert response.status_code == 201
    body = response.get_json()
    assert body["number"] == "SH-000003" and body["customer"] == "Market Stall"
    assert body["reference"] == "INV-3000"
    assert body["lines"] == [{"lot": "CANDLE-1", "item": "CANDLE", "location": "FG",
                              "quantity": "1.000"}]
    assert balance(app, "CANDLE-1", "FG") == Decimal(0)
    fetched = api("operator").get("/api/v1/shipments/SH-000003").get_json()
    assert fetched["number"] == "SH-000003" and fetched["lines"] == body["lines"]


def test_shipping_a_quarantined_lot_is_refused_with_422_and_ships_nothing(app, api):
    supervisor = api("supervisor")
    assert supervisor.post("/api/v1/lots/CANDLE-1/status", json={
        "status": "quarantine", "reason": "smell"}).status_code == 200
    response = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "lines": [{"lot": "CANDLE-1", "quantity": "1"}]})
    assert response.status_code == 422
    assert response.get_json()["error"] == {"code": "quarantine", "field": "lot",
                                            "message": "lot CANDLE-1 is in quarantine"}
    assert count_rows(app, Shipment) == 2
    assert balance(app, "CANDLE-1", "FG") == Decimal(1)


def test_a_bad_line_of_several_is_named_by_its_number_and_nothing_ships(app, api):
    response = api("operator").post("/api/v1/shipments", json={
        "customer": "Casa Verde", "lines": [{"lot": "CANDLE-1", "quantity": "1"},
                                            {"lot": "NO-SUCH-LOT", "quantity": "1"}]})
    assert response.status_code == 404
    error = response.get_json()["error"]
    assert error["field"] == "lot" and error["details"] == {"line": 2}
    assert error["message"] == "line 2: no lot with code NO-SUCH-LOT"
    assert count_rows(app, Shipment) == 2
    assert balance(app, "CANDLE-1", "FG") == Decimal(1)


def test_an_idempotent_replay_makes_one_shipment(app, api):
    operator = api("operator")
    request = {"customer": "Casa Verde", "lines": [{"lot": "CANDLE-1", "quantity": "1"}]}
    headers = {"Idempotency-Key": "ship-once"}
    first = operator.post("/api/v1/shipments", json=request, headers=headers)
    again = operator.post("/api/v1/shipments", json=request, headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.get_json() == again.get_json()
    assert count_rows(app, Shipment) == 3


def test_an_unknown_customer_is_named(api):
    response = api("operator").post("/api/v1/shipments", json={
        "customer": "Nobody Ltd", "lines": [{"lot": "CANDLE-1", "quantity": "1"}]})
    assert response.status_code == 404
    assert response.get_json()["error"]["field"] == "customer"


# --- genealogy ---------------------------------------------------------------------------------

def test_the_backward_trace_reaches_the_supplier_lot_through_the_base(api):
    response = api("operator").get("/api/v1/lots/CANDLE-1/trace?direction=backward")
    assert response.status_code == 200
    body = response.get_json()
    assert body["direction"] == "backward" and body["lot_count"] == 5
    assert "shipments" not in body
    tree = body["tree"]
    assert tree["lot"]["code"] == "CANDLE-1" and tree["quantity"] is None
    base = next(child for child in tree["children"] if child["lot"]["code"] == "BASE-1")
    assert base["quantity"] == "1800.000"
    wax = next(child for child in base["children"] if child["lot"]["code"] == "WAX-A")
    assert wax["quantity"] == "1900.000" and wax["lot"]["supplier_lot"] == "CP-1187"
    assert wax["children"] == []


def test_the_forward_trace_reaches_the_candles_and_both_customers(api):
    body = api("operator").get("/api/v1/lots/WAX-A/trace?direction=forward").get_json()
    assert [child["lot"]["code"] for child in body["tree"]["children"]] == ["BASE-1"]
    assert [child["lot"]["code"] for child in body["tree"]["children"][0]["children"]] \
        == ["CANDLE-1"]
    assert [(row["customer"], row["lot"], row["quantity"]) for row in body["shipments"]] \
        == [("Casa Verde", "CANDLE-1", "6.000"), ("Market Stall", "CANDLE-1", "3.000")]


def test_a_trace_direction_must_be_backward_or_forward(api):
    response = api("operator").get("/api/v1/lots/WAX-A/trace?direction=sideways")
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "direction"
    assert api("operator").get("/api/v1/lots/NOPE/trace").status_code == 404


# --- recall ------------------------------------------------------------------------------------

def test_the_recall_of_the_wax_lot_names_both_customers_with_their_quantities(api):
    response = api("supervisor").get("/api/v1/recall?lot=WAX-A")
    assert response.status_code == 200
    body = response.get_json()
    assert body["customers"] == ["Casa Verde", "Market Stall"]
    assert [(row["customer"], row["reference"], row["lot"], row["quantity"])
            for row in body["shipments"]] == [("Casa Verde", "INV-1001", "CANDLE-1", "6.000"),
                                              ("Market Stall", "INV-1002", "CANDLE-1", "3.000")]
    assert {lot["code"] for lot in body["lots"]} == {"WAX-A", "BASE-1", "CANDLE-1"}


def test_the_recall_of_an_unused_lot_names_no_customer(api):
    body = api("supervisor").get("/api/v1/recall?lot=WAX-UNUSED").get_json()
    assert body["customers"] == [] and body["shipments"] == []
    assert [lot["code"] for lot in body["lots"]] == ["WAX-UNUSED"]


def test_the_mass_balances_of_a_recall_add_up(api):
    body = api("supervisor").get("/api/v1/recall?lot=WAX-A").get_json()
    assert body["balanced"] is True
    lots = {lot["code"]: lot for lot in body["lots"]}
    assert lots["WAX-A"]["mass_balance"] == {
        "received": "5000.000", "consumed": "1900.000", "shipped": "0.000",
        "adjusted": "0.000", "scrapped": "0.000", "on_hand": "3100.000",
        "discrepancy": "0.000"}
    assert lots["CANDLE-1"]["mass_balance"]["shipped"] == "9.000"
    assert lots["CANDLE-1"]["locations"] == [{"location": "FG", "quantity": "1.000"}]
    for lot in body["lots"]:
        balance_ = {k: Decimal(v) for k, v in lot["mass_balance"].items()}
        assert balance_["received"] - balance_["consumed"] - balance_["shipped"] \
            + balance_["adjusted"] - balance_["scrapped"] == balance_["on_hand"]


def test_an_operator_may_not_run_a_recall(api):
    assert api("operator").get("/api/v1/recall?lot=WAX-A").status_code == 403
    assert api("operator").post("/api/v1/recall/quarantine", json={
        "lots": ["WAX-A"], "reason": "x"}).status_code == 403


def test_quarantining_a_recall_holds_every_affected_lot_in_stock(app, api):
    supervisor = api("supervisor")
    response = supervisor.post("/api/v1/recall/quarantine",
                               json={"lots": ["WAX-A"], "reason": "supplier recall"})
    assert response.status_code == 200
    assert response.get_json() == {"quarantined": ["BASE-1", "CANDLE-1", "WAX-A"]}
    assert lot_status(app, "CANDLE-1") == "quarantine"
    assert lot_status(app, "WAX-UNUSED") == "available"
    again = supervisor.post("/api/v1/recall/quarantine",
                            json={"lots": ["WAX-A"], "reason": "supplier recall"})
    assert again.get_json() == {"quarantined": []}  # already held


def test_quarantining_a_recall_needs_a_reason(app, api):
    response = api("supervisor").post("/api/v1/recall/quarantine",
                                      json={"lots": "WAX-A", "reason": ""})
    assert response.status_code == 422
    assert response.get_json()["error"]["field"] == "reason"
    assert lot_status(app, "WAX-A") == "available"


def test_a_chain_deeper_than_orjson_nests_is_still_traced(app, api, supervisor):
    """A starter or rework lot fed into every day's batch makes chains of hundreds of
    levels: past orjson's 255 levels of nesting (two per level of the tree) and Python's
    recursion limit."""
    codes = make_chain(app, supervisor, LEVELS)

    response = api("operator").get(f"/api/v1/lots/{codes[-1]}/trace?direction=backward")

    assert response.status_code == 200
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10 * LEVELS)  # the test reads it with the recursive standard decoder
    try:
        body = json.loads(response.get_data())
    finally:
        sys.setrecursionlimit(limit)
    assert body["lot_count"] == LEVELS + 1
    node, depth = body["tree"], 0
    while node["children"]:
        assert node["children"][0]["quantity"] == "0.500"
        node, depth = node["children"][0], depth + 1
    assert depth == LEVELS and node["lot"]["code"] == codes[0]


LEVELS = 1200
