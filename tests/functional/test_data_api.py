"""Import, export and the accounting journal over the JSON API: uploads as a body or a
form, 422 with every row's problems, a ZIP with every CSV, JSON pages, and a journal whose
entries balance and whose inventory accounts add up to what the stock is worth."""

from __future__ import annotations

import csv
import io
import zipfile
from collections import defaultdict
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.domain.quantities import exact, round_money
from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent
from shopfloor.models.master import Customer, Item, Location, Supplier
from shopfloor.models.production import LotLink, ProductionOrder, ProductionPick, RecipeLine
from shopfloor.models.shipping import ShipmentLine
from shopfloor.models.stock import Balance, Lot, StockCountLine, StockMove
from shopfloor.services import exports, imports, journal, production, recipes, shipping, stock
from shopfloor.services.invariants import check_all
from shopfloor.services.stock import CountLine
from tests.factories import count_rows, make_item, make_location, make_supplier, receive, user

TODAY = date.today()
SINCE_EVER = {"from": "2000-01-01", "to": TODAY.isoformat()}


def days(n: int) -> str:
    return (TODAY + timedelta(days=n)).isoformat()


# --- imports --------------------------------------------------------------------------------

ITEMS = b"sku;name;kind;unit;price\nWAX;Soy wax;material;kg;\nCANDLE;Candle;product;pcs;12,50\n"


def test_a_dry_run_lists_problems_and_changes_nothing(app, api):
    client = api("supervisor")
    bad = ITEMS + b"WAX;Again;material;kg;\nJAR;Jar;material;jars;\n"
    response = client.post("/api/v1/imports/items/dry-run", data=bad,
                           content_type="text/csv")
    assert response.status_code == 200
    body = response.get_json()
    assert body["applied"] is False and body["rows"] == 4
    assert [(p["row"], p["field"]) for p in body["problems"]] == [(4, "sku"), (5, "unit")]
    assert count_rows(app, Item) == 0


def test_apply_is_all_or_nothing(app, api):
    client = api("supervisor")
    refused = client.post("/api/v1/imports/items", data=ITEMS + b"JAR;Jar;material;jars;\n",
                          content_type="text/csv")
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "invalid" and "nothing was imported" in error["message"]
    assert error["details"]["problems"] == [
        {"row": 4, "field": "unit", "message": error["details"]["problems"][0]["message"]}]
    assert count_rows(app, Item) == 0

    applied = client.post("/api/v1/imports/items",
                          data={"file": (io.BytesIO(ITEMS), "items.csv")},
                          content_type="multipart/form-data")
    assert applied.status_code == 201
    assert applied.get_json() == {"kind": "items", "rows": 2, "created": 2, "applied": True,
                                  "problems": []}
    assert client.get("/api/v1/items/CANDLE").get_json()["price"] == "12.50"


def test_a_repeated_idempotency_key_imports_once(app, api):
    client = api("supervisor")
    headers = {"Idempotency-Key": "import-1"}
    first = client.post("/api/v1/imports/items", data=ITEMS, content_type="text/csv",
                        headers=headers)
    again = client.post("/api/v1/imports/items", data=ITEMS, content_type="text/csv",
                        headers=headers)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert count_rows(app, Item) == 2


def test_imports_need_a_supervisor_a_known_kind_and_a_file(app, api):
    operator = api("operator")
    assert operator.post("/api/v1/imports/items", data=ITEMS,
                         content_type="text/csv").status_code == 403
    assert operator.post("/api/v1/imports/items/dry-run", data=ITEMS,
                         content_type="text/csv").status_code == 403
    supervisor = api("supervisor")
    assert supervisor.post("/api/v1/imports/planets", data=ITEMS,
                           content_type="text/csv").status_code == 404
    empty = supervisor.post("/api/v1/imports/items/dry-run")
    assert empty.status_code == 422 and empty.get_json()["error"]["field"] == "file"


def test_an_upload_over_the_limit_is_refused_with_413(app, api):
    too_big = ITEMS + b"x" * app.config["MAX_CONTENT_LENGTH"]
    response = api("supervisor").post("/api/v1/imports/items", data=too_big,
                                      content_type="text/csv")
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "too_large"
    assert count_rows(app, Item) == 0


# --- a workshop with some history ------------------------------------------------------------

@pytest.fixture
def workshop(app, supervisor):
    """Receipts at awkward unit costs, opening stock, a two-level production with returns,
    a cancelled order, a shipment, a count with a loss and a gain, and transfers."""
    for code, kind in (("RAW", "storage"), ("RAW2", "storage"), ("FG", "storage"),
                       ("QC", "quarantine")):
        make_location(app, code, kind)
    make_supplier(app, "Ceruri SRL")
    make_item(app, sku="WAX", unit="g", default_supplier="Ceruri SRL")
    make_item(app, sku="OIL", unit="ml", density="0.9")
    make_item(app, sku="WICK", unit="pcs")
    make_item(app, sku="JAR", unit="pcs")
    make_item(app, sku="BASE", kind="intermediate", unit="g")
    make_item(app, sku="CANDLE", kind="product", unit="pcs")
    receive(app, supervisor, "WAX", "RAW", quantity="5", unit="kg", unit_cost="4.20",
            expiry=days(100), lot_code="WAX-1")
    receive(app, supervisor, "WAX", "RAW", quantity="3", unit="kg", unit_cost="4.37",
            expiry=days(300), lot_code="WAX-2")
    receive(app, supervisor, "OIL", "RAW", quantity="500", unit_cost="0.0643",
            lot_code="OIL-1")
    receive(app, supervisor, "WICK", "RAW", quantity="100", unit_cost="0.09", lot_code="WICK-1")
    receive(app, supervisor, "JAR", "RAW", quantity="100", unit_cost="0.62", lot_code="JAR-1")
    with app.app_context():
        who = user(app, supervisor)
        opening = imports.run_import(
            "opening_stock",
            f"item,quantity,unit,location,unit_cost,lot_code,expiry\n"
            f"WAX,1.234,kg,RAW,3.333,WAX-OPEN,{days(400)}\n"
            f"CANDLE,7,,FG,2.345678,CANDLE-OPEN,\n", who, apply=True)
        assert opening.applied, opening.problems
        db.session.add(Customer(name="Magazin Verde"))
        db.session.commit()
        who = user(app, supervisor)
        recipes.create_recipe({
            "product": "BASE", "yield_quantity": "1", "unit": "kg",
            "lines": [{"item": "WAX", "quantity": "950", "unit": "g"},
                      {"item": "OIL", "quantity": "50", "unit": "ml", "loss_percent": "2"}],
            "labour_minutes": "30", "labour_rate": "20", "overhead": "1.50"}, who)
        recipes.create_recipe({
            "product": "CANDLE", "yield_quantity": "10",
            "lines": [{"item": "BASE", "quantity": "1.8", "unit": "kg"},
                      {"item": "WICK", "quantity": "10"}, {"item": "JAR", "quantity": "10"}],
            "labour_minutes": "60", "labour_rate": "18.37", "overhead": "4.01"}, who)
        base = production.create_order({"product": "BASE", "quantity": "2500"}, who).number
        production.release_order(base, who)
        production.pick(base, {"lot": "WAX-1", "quantity": "2375"}, who)
        production.pick(base, {"lot": "OIL-1", "quantity": "130"}, who)
        production.complete_order(base, {  # what was not used goes back to the shelf
            "quantity": "2400", "location": "RAW", "lot_code": "BASE-1",
            "returns": [{"lot": "WAX-1", "quantity": "95", "location": "RAW"},
                        {"lot": "OIL-1", "quantity": "7.6", "location": "RAW"}]}, who)
        candles = production.create_order({"product": "CANDLE", "quantity": "10"}, who).number
        production.release_order(candles, who)
        for lot, quantity in (("BASE-1", "1800"), ("WICK-1", "10"), ("JAR-1", "10")):
            production.pick(candles, {"lot": lot, "quantity": quantity}, who)
        production.complete_order(candles, {
            "quantity": "9", "location": "FG", "lot_code": "CANDLE-1",
            "returns": [{"lot": "BASE-1", "quantity": "180", "location": "RAW"},
                        {"lot": "WICK-1", "quantity": "1", "location": "RAW"},
                        {"lot": "JAR-1", "quantity": "1", "location": "RAW"}]}, who)
        cancelled = production.create_order({"product": "CANDLE", "quantity": "2"}, who).number
        production.release_order(cancelled, who)
        production.pick(cancelled, {"lot": "WICK-1", "quantity": "2"}, who)
        production.pick(cancelled, {"lot": "BASE-1", "quantity": "100"}, who)
        production.cancel_order(cancelled, who)
        # one more order left in progress, so some stock stays in work in progress
        running = production.create_order({"product": "CANDLE", "quantity": "1"}, who).number
        production.release_order(running, who)
        production.pick(running, {"lot": "JAR-1", "quantity": "1"}, who)
        production.pick(running, {"lot": "BASE-1", "quantity": "180"}, who)
        shipping.ship({"customer": "Magazin Verde", "reference": "INV-7",
                       "lines": [{"lot": "CANDLE-OPEN", "quantity": "3"},
                                 {"lot": "CANDLE-1", "quantity": "4"}]}, who)
        stock.count_stock("RAW", [CountLine("WICK-1", Decimal(85)),
                                  CountLine("JAR-1", Decimal(92))], who, reason="monthly count")
        stock.move_stock({"lot": "WAX-2", "from": "RAW", "to": "QC", "quantity": "1000"}, who)
        stock.move_stock({"lot": "WAX-2", "from": "QC", "to": "RAW2", "quantity": "333.3"},
                         who)
        assert check_all() == []
    return {"orders": (base, candles, cancelled, running)}


def stock_value_by_account(app) -> dict[str, Decimal]:
    """What the stock on hand is worth, from the balances (not the ledger): each lot's
    quantity at each place times its unit cost, on the account of the place (an order's
    work in progress) or of the item's kind, rounded once per account."""
    with app.app_context():
        rows = db.session.execute(
            sa.select(Balance.quantity, Lot.unit_cost, Item.kind, Location.kind)
            .join(Lot, Lot.id == Balance.lot_id).join(Item, Item.id == Lot.item_id)
            .join(Location, Location.id == Balance.location_id)).all()
    exact_value: dict[str, Decimal] = defaultdict(Decimal)
    with exact():
        for quantity, unit_cost, item_kind, location_kind in rows:
            account = journal.WORK_IN_PROGRESS if location_kind == "wip" \
                else journal.INVENTORY_BY_KIND[item_kind]
            exact_value[account] += quantity * unit_cost
    return {account: round_money(value) for account, value in exact_value.items()}


def _money(text: str) -> Decimal:
    return Decimal(text)


def test_every_journal_entry_balances(app, api, workshop):
    body = api("supervisor").get("/api/v1/reports/journal", query_string=SINCE_EVER).get_json()
    assert body["from"] == "2000-01-01" and body["entries"]
    for entry in body["entries"]:
        debit = sum(_money(line["debit"]) for line in entry["lines"])
        credit = sum(_money(line["credit"]) for line in entry["lines"])
        assert debit == credit and debit > 0, entry
        assert all((_money(line["debit"]) == 0) != (_money(line["credit"]) == 0)
                   for line in entry["lines"]), entry
    totals = {row["account"]: row for row in body["accounts"]}
    assert sum(_money(row["net"]) for row in totals.values()) == 0


def test_inventory_accounts_add_up_to_what_the_stock_on_hand_is_worth(app, api, workshop):
    body = api("supervisor").get("/api/v1/reports/journal", query_string=SINCE_EVER).get_json()
    nets = {row["account"]: _money(row["net"]) for row in body["accounts"]}
    worth = stock_value_by_account(app)
    assert set(worth) == {journal.RAW_MATERIALS, journal.SEMI_FINISHED,
                          journal.WORK_IN_PROGRESS, journal.FINISHED_GOODS}
    for account in journal.INVENTORY_ACCOUNTS:
        assert nets.get(account, Decimal(0)) == worth.get(account, Decimal(0)), account
    # and the other side of the books: what came in, less what left, is what is there
    came_in = nets[journal.GOODS_RECEIVED_NOT_INVOICED] + nets[journal.OPENING_BALANCES] \
        + nets[journal.ABSORBED]
    left = nets[journal.COST_OF_GOODS_SOLD] + nets[journal.ADJUSTMENTS] \
        + nets.get(journal.ROUNDING, Decimal(0))
    assert -came_in - left == sum(worth.values())


def test_the_opening_value_before_a_day_is_what_the_accounts_hold_then(app, workshop):
    with app.app_context():
        everything = journal.build(None, TODAY)
        opening = journal.opening_values(TODAY + timedelta(days=1))
    nets = {total.account: total.net for total in everything.accounts()}
    for account in journal.INVENTORY_ACCOUNTS:
        assert round_money(opening.get(account, Decimal(0))) == nets.get(account, Decimal(0))


def test_postings_follow_the_chart_of_accounts(app, api, workshop):
    entries = api("supervisor").get("/api/v1/reports/journal",
                                    query_string=SINCE_EVER).get_json()["entries"]

    def lines(entry):
        return sorted((line["account"], line["debit"], line["credit"]) for line in entry["lines"])

    by_description = {entry["description"]: entry for entry in entries}
    receipt = by_description["Receipt: 5000 g WAX lot WAX-1"]
    assert lines(receipt) == [(journal.RAW_MATERIALS, "21.00", "0.00"),
                              (journal.GOODS_RECEIVED_NOT_INVOICED, "0.00", "21.00")]
    assert receipt["reference"] == "WAX-1"
    opening = next(e for e in entries if e["description"].startswith("Opening stock: 7 pcs"))
    assert lines(opening) == [(journal.FINISHED_GOODS, "16.42", "0.00"),
                              (journal.OPENING_BALANCES, "0.00", "16.42")]
    with app.app_context():
        base = production.get_order(workshop["orders"][0])
        absorbed = base.labour_cost + base.overhead_cost
    made = next(e for e in entries if e["description"].startswith(f"Production {base.number}"))
    accounts = {line["account"] for line in made["lines"]}
    assert {journal.SEMI_FINISHED, journal.WORK_IN_PROGRESS, journal.ABSORBED} <= accounts
    assert next(line for line in made["lines"] if line["account"] == journal.ABSORBED)[
        "credit"] == f"{absorbed:.2f}" == "28.75"
    picks = [e for e in entries if e["description"].startswith(f"Pick into {base.number}")]
    assert all({line["account"] for line in e["lines"]} >= {journal.WORK_IN_PROGRESS,
                                                            journal.RAW_MATERIALS}
               for e in picks) and len(picks) == 2
    shipment = next(e for e in entries if e["description"].startswith("Shipment"))
    assert shipment["description"] == "Shipment SH-000001 to Magazin Verde (INV-7)"
    assert {line["account"] for line in shipment["lines"]} == {journal.COST_OF_GOODS_SOLD,
                                                               journal.FINISHED_GOODS}
    count = next(e for e in entries if e["description"].startswith("Stock count at RAW"))
    # 91 wicks on the shelf counted as 85, 90 jars as 92
    assert lines(count) == [(journal.RAW_MATERIALS, "0.00", "0.54"),
                            (journal.RAW_MATERIALS, "1.24", "0.00"),
                            (journal.ADJUSTMENTS, "0.00", "1.24"),
                            (journal.ADJUSTMENTS, "0.54", "0.00")]
    # moving stock between two places on the same account posts nothing
    assert not [e for e in entries if e["description"].startswith("Transfer")]


def test_the_journal_is_a_few_queries_however_long_the_ledger(app, workshop):
    statements = []

    def count(_connection, _cursor, statement, *_args):
        if not statement.startswith(("BEGIN", "SAVEPOINT", "RELEASE")):
            statements.append(statement)

    with app.app_context():
        sa.event.listen(db.engine, "before_cursor_execute", count)
        try:
            journal.build(None, TODAY)
            assert len(statements) == 1
            statements.clear()
            journal.build(TODAY, TODAY)
            assert len(statements) == 3
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", count)


def test_the_journal_as_csv_for_the_accountant(app, api, workshop):
    response = api("supervisor").get("/api/v1/reports/journal",
                                     query_string={**SINCE_EVER, "format": "csv"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))
    assert tuple(rows[0]) == journal.CSV_HEADER
    by_entry = defaultdict(lambda: [Decimal(0), Decimal(0)])
    for row in rows[1:]:
        assert row[0] == TODAY.isoformat()
        by_entry[row[1]][0] += Decimal(row[4])
        by_entry[row[1]][1] += Decimal(row[5])
    assert by_entry and all(debit == credit for debit, credit in by_entry.values())


def test_a_period_without_moves_has_no_entries(app, api, workshop):
    client = api("supervisor")
    body = client.get("/api/v1/reports/journal",
                      query_string={"from": "2001-01-01", "to": "2001-01-31"}).get_json()
    assert body["entries"] == [] and body["accounts"] == []
    bad = client.get("/api/v1/reports/journal", query_string={"from": "2001-02-01",
                                                              "to": "2001-01-01"})
    assert bad.status_code == 422 and bad.get_json()["error"]["field"] == "from"
    assert client.get("/api/v1/reports/journal",
                      query_string={"from": "yesterday"}).status_code == 422
    assert api("operator").get("/api/v1/reports/journal").status_code == 403


# --- export ---------------------------------------------------------------------------------

EXPECTED_FILES = {f"{name}.csv" for name in exports.KINDS} | {"manifest.json"}


def _table_counts(app) -> dict[str, int]:
    with app.app_context():
        balances = db.session.scalar(sa.select(sa.func.count()).select_from(Balance)
                                     .where(Balance.quantity > 0))
    return {"items": count_rows(app, Item), "suppliers": count_rows(app, Supplier),
            "customers": count_rows(app, Customer), "locations": count_rows(app, Location),
            "lots": count_rows(app, Lot), "stock_balances": balances,
            "stock_moves": count_rows(app, StockMove), "recipes": count_rows(app, RecipeLine),
            "production_orders": count_rows(app, ProductionOrder),
            "production_picks": count_rows(app, ProductionPick),
            "shipments": count_rows(app, ShipmentLine), "genealogy": count_rows(app, LotLink),
            "stock_counts": count_rows(app, StockCountLine),
            "audit_events": count_rows(app, AuditEvent)}


def _read_zip(data: bytes) -> tuple[dict[str, list[dict]], dict]:
    import json

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert set(archive.namelist()) == EXPECTED_FILES
        assert archive.testzip() is None
        files = {name.removesuffix(".csv"): list(csv.DictReader(io.StringIO(
                     archive.read(name).decode("utf-8-sig"))))
                 for name in archive.namelist() if name.endswith(".csv")}
        return files, json.loads(archive.read("manifest.json"))


def test_the_export_zip_holds_every_csv_with_every_row(app, api, workshop):
    response = api("supervisor").get("/api/v1/export.zip")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "attachment" in response.headers["Content-Disposition"]
    files, manifest = _read_zip(response.data)
    counts = _table_counts(app)
    assert {name: len(rows) for name, rows in files.items()} == counts
    assert manifest["files"] == {f"{name}.csv": n for name, n in counts.items()}
    assert all(counts.values())  # the workshop made some of everything
    assert list(files["items"][0]) == list(imports.ITEM_COLUMNS)
    moves = files["stock_moves"]
    assert moves[0]["reason"] == "receipt" and moves[0]["reference"] == "WAX-1"
    ship = next(m for m in moves if m["reason"] == "ship")
    assert ship["reference"] == "SH-000001" and ship["reference_type"] == "shipment"
    balances = {(row["lot"], row["location"]): row for row in files["stock_balances"]}
    assert balances[("WAX-2", "QC")]["quantity"] == "666.7"
    assert balances[("WAX-2", "QC")]["value"] == "2.91"
    order = next(o for o in files["production_orders"] if o["output_lot"] == "CANDLE-1")
    assert order["status"] == "completed" and order["produced_quantity"] == "9"


def test_the_export_reads_the_ledger_in_batches(app, api, workshop, monkeypatch):
    monkeypatch.setattr(exports, "BATCH", 3)
    files, _manifest = _read_zip(api("supervisor").get("/api/v1/export.zip").data)
    assert len(files["stock_moves"]) == count_rows(app, StockMove)


def test_export_pages_walk_every_row_once(app, api, workshop):
    client = api("supervisor")
    index = client.get("/api/v1/export").get_json()
    assert index["zip"] == "/api/v1/export.zip"
    assert [kind["kind"] for kind in index["kinds"]] == list(exports.KINDS)
    for kind, limit in (("stock_moves", 7), ("stock_balances", 2)):
        rows, url = [], f"/api/v1/export/{kind}?limit={limit}"
        while url:
            page = client.get(url).get_json()
            assert len(page["rows"]) <= limit
            rows += page["rows"]
            url = page["next"]
        whole = client.get(f"/api/v1/export/{kind}?limit=5000").get_json()
        assert rows == whole["rows"] and whole["next"] is None
    with app.app_context():
        ids = list(db.session.scalars(sa.select(StockMove.id).order_by(StockMove.id)))
    moves = client.get("/api/v1/export/stock_moves?limit=5000").get_json()["rows"]
    assert [row["id"] for row in moves] == ids
    assert moves[0]["quantity"] == "5000.000"


def test_export_refuses_what_it_cannot_read(app, api):
    client = api("supervisor")
    assert client.get("/api/v1/export/planets").status_code == 404
    assert client.get("/api/v1/export/items?after=abc").status_code == 422
    assert client.get("/api/v1/export/stock_balances?after=1").status_code == 422
    assert client.get("/api/v1/export/items?limit=0").status_code == 422
    assert api("operator").get("/api/v1/export.zip").status_code == 403
    assert api("operator").get("/api/v1/export/items").status_code == 403
