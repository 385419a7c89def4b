"""The recipe and production order API (docs/ARCHITECTURE.md, "Contracts") over HTTP with bearer
tokens: shapes with decimal strings, refusals that say why (409 shortages, 409 not first to
expire, 422 unusable lots), operators picking and completing with their own tokens, and
replays that change nothing."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from shopfloor.models.production import LotLink, ProductionPick
from shopfloor.models.stock import Lot, StockMove
from tests.factories import balance, count_rows, receive
from tests.scenarios import BASE_RECIPE, CANDLE_RECIPE, candle_materials


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


BASE, CANDLE = BASE_RECIPE, CANDLE_RECIPE


@pytest.fixture
def boss(api):
    return api("supervisor")


@pytest.fixture
def floor(api):
    return api("operator")


@pytest.fixture
def workshop(app, supervisor, boss):
    """The candle workshop (tests/scenarios.py), its recipes posted through the API."""
    made = candle_materials(app, supervisor)
    for recipe in (BASE, CANDLE):
        assert boss.post("/api/v1/recipes", json=recipe).status_code == 201
    return made


def _order(client, product, quantity, **extra) -> dict:
    response = client.post("/api/v1/production-orders",
                           json={"product": product, "quantity": quantity, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _released(boss, product, quantity) -> str:
    number = _order(boss, product, quantity)["number"]
    assert boss.post(f"/api/v1/production-orders/{number}/release").status_code == 200
    return number


def _pick(client, number, lot, quantity=None, headers=None, **extra):
    body = {"lot": lot, **extra}
    if quantity is not None:
        body["quantity"] = quantity
    return client.post(f"/api/v1/production-orders/{number}/picks", json=body,
                       headers=headers)


# --- recipes ---------------------------------------------------------------------------------

def test_a_recipe_post_answers_the_new_version_in_base_units(app, workshop, boss):
    response = boss.post("/api/v1/recipes", json={**BASE, "overhead": "2"})
    assert response.status_code == 201
    body = response.get_json()
    assert (body["product"], body["version"], body["yield_quantity"], body["unit"]) == (
        "BASE", 2, "1000.000", "g")
    assert body["lines"][1] == {"item": "OIL", "quantity": "50.000", "unit": "ml",
                                "loss_percent": "2.000"}
    assert body["overhead"] == "2.00"
    assert boss.get("/api/v1/recipes/BASE").get_json()["version"] == 2


def test_a_recipe_cycle_is_refused_naming_it(workshop, boss):
    response = boss.post("/api/v1/recipes", json={
        "product": "BASE", "yield_quantity": "1000", "lines": [{"item": "CANDLE",
                                                               "quantity": "1"}]})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["field"] == "lines" and error["code"] == "recipe_cycle"
    assert "BASE → CANDLE → BASE" in error["message"]


def test_operators_may_read_recipes_but_not_write_them(workshop, floor):
    assert floor.get("/api/v1/recipes/CANDLE").status_code == 200
    response = floor.post("/api/v1/recipes", json=BASE)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


# --- orders and release ----------------------------------------------------------------------

def test_an_order_answers_its_requirements_with_what_is_available_and_short(workshop, boss):
    body = _order(boss, "BASE", "2500", due_date=days(5))
    assert body["number"] == "MO-000001" and body["status"] == "draft"
    assert body["due_date"] == days(5) and body["quantity"] == "2500.000"
    assert [{key: row[key] for key in ("item", "required", "available", "shortage")}
            for row in body["requirements"]] == [
        {"item": "WAX", "required": "2375.000", "available": "5000.000", "shortage": "0.000"},
        {"item": "OIL", "required": "127.500", "available": "500.000", "shortage": "0.000"}]


def test_release_is_refused_with_the_shortages_and_the_intermediates_to_plan(workshop, boss):
    number = _order(boss, "CANDLE", "10")["number"]
    response = boss.post(f"/api/v1/production-orders/{number}/release")
    assert response.status_code == 409
    error = response.get_json()["error"]
    assert error["code"] == "insufficient_stock"
    assert error["details"]["shortages"] == [{"item": "BASE", "required": "1800.000",
                                              "available": "0.000", "shortage": "1800.000"}]
    assert error["details"]["plan"] == [{"item": "BASE", "quantity": "1800.000"}]
    assert boss.get(f"/api/v1/production-orders/{number}").get_json()["status"] == "draft"


def test_release_reserves_and_stock_shows_the_reservation(workshop, boss, floor):
    number = _released(boss, "BASE", "2000")
    wax = floor.get("/api/v1/stock?item=WAX").get_json()
    assert (wax["on_hand"], wax["reserved"], wax["available"]) == (
        "5000.000", "1900.000", "3100.000")
    order = floor.get(f"/api/v1/production-orders/{number}").get_json()
    assert order["status"] == "released"
    assert order["requirements"][0]["reserved"] == "1900.000"


def test_operators_cannot_create_release_or_cancel_orders(workshop, boss, floor):
    assert floor.post("/api/v1/production-orders",
                      json={"product": "BASE", "quantity": "1"}).status_code == 403
    number = _order(boss, "BASE", "1000")["number"]
    assert floor.post(f"/api/v1/production-orders/{number}/release").status_code == 403
    assert floor.post(f"/api/v1/production-orders/{number}/cancel").status_code == 403


# --- suggestions and picks ---------------------------------------------------------------------

def test_suggestions_put_the_sooner_expiring_lot_first_even_when_received_later(
        app, workshop, boss, floor):
    receive(app, workshop["sup"], "WAX", "RAW", quantity="1000", unit_cost="0.005",
            expiry=days(20), lot_code="WAX-NEW")
    number = _released(boss, "BASE", "2000")
    body = floor.get(f"/api/v1/production-orders/{number}/suggestions").get_json()
    wax = body["requirements"][0]
    assert (wax["item"], wax["remaining"], wax["shortage"]) == ("WAX", "1900.000", "0.000")
    assert wax["lots"] == [
        {"lot": "WAX-NEW", "location": "RAW", "quantity": "1000.000", "expiry": days(20)},
        {"lot": "WAX-OLD", "location": "RAW", "quantity": "900.000", "expiry": days(300)}]


def test_a_later_lot_is_refused_409_without_a_reason_and_kept_with_one(app, workshop, boss,
                                                                      floor):
    receive(app, workshop["sup"], "WAX", "RAW", quantity="1000", unit_cost="0.005",
            expiry=days(20), lot_code="WAX-NEW")
    number = _released(boss, "BASE", "1000")
    refused = _pick(floor, number, "WAX-OLD", "950")
    assert refused.status_code == 409
    error = refused.get_json()["error"]
    assert (error["code"], error["field"]) == ("not_first", "override_reason")
    assert error["details"] == {"first_choice": "WAX-NEW"}
    assert count_rows(app, ProductionPick) == 0
    kept = _pick(floor, number, "WAX-OLD", "950", override_reason="WAX-NEW still sealed")
    assert kept.status_code == 201
    assert kept.get_json() == {"order": number, "lot": "WAX-OLD", "location": "RAW",
                               "quantity": "950.000",
                               "override_reason": "WAX-NEW still sealed",
                               "remaining": "0.000"}


@pytest.mark.parametrize("status, code, says", [("quarantine", "quarantine", "in quarantine"),
                                                ("reject", "rejected", "is rejected")])
def test_a_quarantined_or_rejected_lot_is_refused_422_saying_why(workshop, boss, floor,
                                                                 status, code, says):
    number = _released(boss, "BASE", "1000")
    assert boss.post("/api/v1/lots/OIL-1/status",
                     json={"status": status, "reason": "lab check"}).status_code == 200
    response = _pick(floor, number, "OIL-1", "51")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert (error["code"], error["field"]) == (code, "lot") and says in error["message"]


def test_an_expired_lot_is_refused_422_even_with_a_reason(app, workshop, boss, floor):
    receive(app, workshop["sup"], "WAX", "RAW", quantity="100", expiry=days(-1),
            lot_code="WAX-GONE", accept_expired="1")
    assert boss.post("/api/v1/lots/WAX-GONE/status",
                     json={"status": "release", "reason": "checked"}).status_code == 200
    number = _released(boss, "BASE", "100")
    response = _pick(floor, number, "WAX-GONE", "95", override_reason="use it up")
    assert response.status_code == 422
    assert response.get_json()["error"]["code"] == "expired"


def test_a_replayed_pick_changes_nothing(app, workshop, boss, floor):
    number = _released(boss, "BASE", "1000")
    headers = {"Idempotency-Key": "phone-7-pick-1"}
    first = _pick(floor, number, "WAX-OLD", "500", headers=headers)
    second = _pick(floor, number, "WAX-OLD", "500", headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert count_rows(app, ProductionPick) == 1
    assert balance(app, "WAX-OLD", f"WIP-{number}") == Decimal("500")


# --- completion and cancellation ---------------------------------------------------------------

def test_operators_pick_and_complete_a_two_level_candle_costing_exactly_its_inputs(
        app, workshop, boss, api):
    first, second = api("operator"), api("operator")
    base = _released(boss, "BASE", "2000")
    assert _pick(first, base, "WAX-OLD", "1900").status_code == 201
    assert _pick(second, base, "OIL-1").get_json()["quantity"] == "102.000"
    done = first.post(f"/api/v1/production-orders/{base}/complete",
                      json={"quantity": "2000", "location": "FG"})
    assert done.status_code == 200
    base_lot = done.get_json()["output_lot"]
    # 7.98 wax + 6.53 oil + labour 20.00 + overhead 3.00 = 37.51 for 2000 g
    assert base_lot["quantity"] == "2000.000" and base_lot["total_cost"] == "37.51"
    assert base_lot["unit_cost"] == "0.018755"

    candle = _released(boss, "CANDLE", "10")
    for lot, quantity in ((base_lot["code"], "1800"), ("WICK-1", "10"), ("JAR-1", "10")):
        assert _pick(second, candle, lot, quantity).status_code == 201
    done = second.post(f"/api/v1/production-orders/{candle}/complete",
                       json={"quantity": "10", "location": "FG", "lot_code": "CANDLE-1"})
    body = done.get_json()
    assert done.status_code == 200 and body["status"] == "completed"
    assert body["output_lot"] == {"code": "CANDLE-1", "quantity": "10.000",
                                  "unit_cost": "6.286", "total_cost": "62.86"}
    assert body["label_url"] == "https://shop.example/lots/CANDLE-1/label"
    assert sorted(body["consumed"], key=lambda row: row["lot"]) == sorted([
        {"lot": base_lot["code"], "quantity": "1800.000", "cost": "33.76"},
        {"lot": "WICK-1", "quantity": "10.000", "cost": "0.90"},
        {"lot": "JAR-1", "quantity": "10.000", "cost": "6.20"}], key=lambda row: row["lot"])
    materials = sum(Decimal(row["cost"]) for row in body["consumed"])
    labour_and_overhead = Decimal("18.00") + Decimal("4.00")
    assert materials + labour_and_overhead == Decimal(body["output_lot"]["total_cost"])
    assert balance(app, "CANDLE-1", "FG") == Decimal("10")
    assert second.get("/api/v1/stock?item=BASE").get_json()["reserved"] == "0.000"


def test_a_replayed_completion_changes_nothing(app, workshop, boss, floor):
    number = _released(boss, "BASE", "1000")
    _pick(floor, number, "WAX-OLD", "1000")  # 50 g more than needed: it goes back
    _pick(floor, number, "OIL-1", "51")
    headers = {"Idempotency-Key": "phone-7-complete-1"}
    body = {"quantity": "1000", "location": "FG",
            "returns": [{"lot": "WAX-OLD", "quantity": "50", "location": "RAW"}]}
    url = f"/api/v1/production-orders/{number}/complete"
    first = floor.post(url, json=body, headers=headers)
    moves = count_rows(app, StockMove)
    second = floor.post(url, json=body, headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert count_rows(app, StockMove) == moves
    assert count_rows(app, LotLink) == 2
    assert count_rows(app, Lot) == 5  # four materials received and one output, not two
    assert balance(app, "WAX-OLD", "RAW") == Decimal("4050")
    again = floor.post(url, json=body)
    assert again.status_code == 409 and again.get_json()["error"]["field"] == "status"


def test_completion_consumes_everything_picked_unless_returned_or_scrapped(
        app, workshop, boss, floor):
    """DESIGN.md 8.0: 1000 g of wax picked for 950 g needed is all consumed when nothing
    is said; returns put back where told, scrap leaves with its reason and is charged to
    the batch; `consumed` is what was really consumed and the books still add up."""
    number = _released(boss, "BASE", "1000")
    _pick(floor, number, "WAX-OLD", "1000")
    _pick(floor, number, "OIL-1", "60")
    response = floor.post(f"/api/v1/production-orders/{number}/complete", json={
        "quantity": "0.9", "unit": "kg", "location": "FG",
        "returns": [{"lot": "WAX-OLD", "quantity": "0.1", "unit": "kg", "location": "RAW"}],
        "scrap": [{"lot": "OIL-1", "quantity": "5", "reason": "spilt"},
                  {"lot": "WAX-OLD", "quantity": "20", "reason": "burnt"}]})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert sorted(body["consumed"], key=lambda row: row["lot"]) == [
        {"lot": "OIL-1", "quantity": "55.000", "cost": "3.52"},
        {"lot": "WAX-OLD", "quantity": "880.000", "cost": "3.70"}]
    assert body["returned"] == [{"lot": "WAX-OLD", "quantity": "100.000", "location": "RAW"}]
    assert sorted(body["scrapped"], key=lambda row: row["lot"]) == [
        {"lot": "OIL-1", "quantity": "5.000", "cost": "0.32"},
        {"lot": "WAX-OLD", "quantity": "20.000", "cost": "0.08"}]
    # 3.70 + 3.52 consumed + 0.08 + 0.32 scrapped + labour 10.00 + overhead 1.50
    assert body["output_lot"]["total_cost"] == "19.12"
    assert balance(app, "WAX-OLD", "RAW") == Decimal("4100")
    assert balance(app, "WAX-OLD", f"WIP-{number}") == Decimal("0")
    assert balance(app, "OIL-1", f"WIP-{number}") == Decimal("0")
    with app.app_context():
        from shopfloor.services.genealogy import mass_balances
        from shopfloor.services.invariants import check_all
        from shopfloor.services.master import get_lot

        assert check_all() == []
        wax = mass_balances([get_lot("WAX-OLD").id])[get_lot("WAX-OLD").id]
        assert (wax.consumed, wax.scrapped, wax.discrepancy) == (Decimal("880"),
                                                                Decimal("20"), 0)
        notes = {move.note for move in StockMove.query.filter_by(reason="scrap")}
        assert notes == {"spilt", "burnt"}
        from shopfloor.services.reports import batch_costs

        (batch,) = batch_costs()
        used = {row.item: row.actual for row in batch.material_variance}
        assert used == {"WAX": Decimal("880"), "OIL": Decimal("55")}
        # The journal: the scrap leaves WIP on the production entry, not through 5900.
        from shopfloor.services import journal

        entries = journal.build(None, date.today()).entries
        assert not any(line.account == journal.ADJUSTMENTS
                       for entry in entries for line in entry.lines)
        made = next(e for e in entries if e.description.startswith(f"Production {number}"))
        assert made.debit == made.credit
        assert any(line.account == journal.WORK_IN_PROGRESS and line.lot == "OIL-1"
                   and line.quantity == 5 and line.credit for line in made.lines)


def test_completion_without_returns_consumes_the_whole_work_in_progress(
        app, workshop, boss, floor):
    number = _released(boss, "BASE", "1000")
    _pick(floor, number, "WAX-OLD", "1000")
    _pick(floor, number, "OIL-1", "51")
    response = floor.post(f"/api/v1/production-orders/{number}/complete",
                          json={"quantity": "1000", "location": "FG"})
    assert response.status_code == 200
    consumed = {row["lot"]: row["quantity"] for row in response.get_json()["consumed"]}
    assert consumed == {"WAX-OLD": "1000.000", "OIL-1": "51.000"}
    assert response.get_json()["returned"] == []
    assert balance(app, "WAX-OLD", "RAW") == Decimal("4000")


@pytest.mark.parametrize(("extra", "field", "says"), [
    ({"returns": [{"lot": "WICK-1", "quantity": "1", "location": "RAW"}]},
     "returns[0].lot", "WICK-1"),
    ({"scrap": [{"lot": "NOPE", "quantity": "1", "reason": "x"}]}, "scrap[0].lot", "NOPE"),
    ({"returns": [{"lot": "WAX-OLD", "quantity": "600", "location": "RAW"}],
      "scrap": [{"lot": "WAX-OLD", "quantity": "500", "reason": "burnt"}]},
     "scrap[0].quantity", "WAX-OLD"),
    ({"returns": [{"lot": "WAX-OLD", "quantity": "1", "location": "WIP-MO-000001"}]},
     "returns[0].location", "WIP-MO-000001"),
    ({"returns": [{"lot": "WAX-OLD", "quantity": "1", "location": "NOWHERE"}]},
     "returns[0].location", "NOWHERE"),
    ({"returns": [{"lot": "WAX-OLD", "quantity": "1", "unit": "ml", "location": "RAW"}]},
     "returns[0].unit", ""),
    ({"returns": [{"lot": "WAX-OLD", "quantity": "1"}]}, "returns[0].location", ""),
    ({"scrap": [{"lot": "WAX-OLD", "quantity": "1", "reason": ""}]}, "scrap[0].reason", ""),
    ({"scrap": [{"lot": "WAX-OLD", "quantity": "0", "reason": "x"}]}, "scrap[0].quantity",
     ""),
    ({"consumed": [{"item": "WAX", "quantity": "950"}]}, "consumed", ""),
])
def test_a_bad_return_or_scrap_line_is_refused_naming_its_field(app, workshop, boss, floor,
                                                                extra, field, says):
    number = _released(boss, "BASE", "1000")
    _pick(floor, number, "WAX-OLD", "1000")
    _pick(floor, number, "OIL-1", "51")
    moves = count_rows(app, StockMove)
    response = floor.post(f"/api/v1/production-orders/{number}/complete",
                          json={"quantity": "1000", "location": "FG", **extra})
    assert response.status_code in (404, 422), response.get_json()
    error = response.get_json()["error"]
    assert error["field"] == field and says in error["message"], error
    assert count_rows(app, StockMove) == moves
    assert balance(app, "WAX-OLD", f"WIP-{number}") == Decimal("1000")


def test_completion_that_would_consume_nothing_of_a_component_is_refused(
        app, workshop, boss, floor):
    number = _released(boss, "BASE", "1000")
    _pick(floor, number, "WAX-OLD", "950")
    _pick(floor, number, "OIL-1", "51")
    response = floor.post(f"/api/v1/production-orders/{number}/complete", json={
        "quantity": "1000", "location": "FG",
        "returns": [{"lot": "OIL-1", "quantity": "51", "location": "RAW"}]})
    assert response.status_code == 409
    assert "OIL" in response.get_json()["error"]["message"]


def test_cancel_releases_the_reservations_and_returns_picked_material(app, workshop, boss,
                                                                      floor):
    number = _released(boss, "BASE", "1000")
    _pick(floor, number, "WAX-OLD", "600")
    assert floor.get("/api/v1/stock?item=WAX").get_json()["reserved"] == "350.000"
    response = boss.post(f"/api/v1/production-orders/{number}/cancel")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "cancelled"
    assert all(row["reserved"] == "0.000" for row in body["requirements"])
    assert floor.get("/api/v1/stock?item=WAX").get_json()["reserved"] == "0.000"
    assert balance(app, "WAX-OLD", "RAW") == Decimal("5000")
    assert balance(app, "WAX-OLD", f"WIP-{number}") == Decimal("0")


def test_planning_lists_shortages_and_the_orders_they_block(workshop, boss, floor):
    _order(boss, "BASE", "10000")
    lines = {line["item"]: line for line in floor.get("/api/v1/planning").get_json()}
    assert lines["WAX"]["shortage"] == "4500.000"
    assert lines["WAX"]["blocked"] == ["MO-000001"]
