"""Moving in from spreadsheets on a real database: every row judged (against the rows
before it too), problems named by spreadsheet row and column, nothing kept by a dry run,
and apply all or nothing."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent
from shopfloor.models.master import Customer, Item, Location, Supplier
from shopfloor.models.production import Recipe
from shopfloor.models.stock import Lot, StockMove
from shopfloor.services import imports, recipes
from shopfloor.services.invariants import check_all
from tests.factories import (
    count_rows,
    make_item,
    make_location,
    make_supplier,
    make_wip_location,
    user,
)


def gtin13(first12: str) -> str:
    """A GTIN-13 with its check digit (GS1 mod 10: weights 1 and 3 from the left)."""
    total = sum(int(d) * (3 if i % 2 else 1) for i, d in enumerate(first12))
    return first12 + str((10 - total % 10) % 10)


def to_csv(header, rows, delimiter=",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def run(app, username, kind, content, apply):
    with app.app_context():
        return imports.run_import(kind, content, user(app, username), apply=apply)


def problems(result) -> list[tuple]:
    return [(p.row, p.field) for p in result.problems]


ITEM_HEADER = ["sku", "name", "kind", "unit", "reorder_point", "reorder_quantity", "gtin",
               "price"]


def five_hundred_items(bad: bool) -> bytes:
    """500 items; when `bad`, spreadsheet row 41 has an unknown unit, row 202 repeats the
    SKU of row 11, and row 350 has a GTIN with a wrong check digit."""
    rows = []
    for n in range(500):
        kind = "product" if n % 5 == 0 else "material"
        gtin = gtin13(f"594{n:09d}") if n % 7 == 0 else ""
        rows.append([f"MAT-{n:04d}", f"Material number {n}", kind, "pcs" if n % 5 == 0 else "g",
                     "100", "500", gtin, "12.50" if kind == "product" else ""])
    if bad:
        rows[41 - 2][3] = "kgs"
        rows[202 - 2][0] = rows[11 - 2][0]
        good = gtin13("594000000348")
        rows[350 - 2][6] = good[:-1] + str((int(good[-1]) + 1) % 10)
    return to_csv(ITEM_HEADER, rows)


def test_500_items_with_three_bad_rows_are_refused_naming_them_and_apply_once_fixed(
        app, supervisor):
    audit_events = count_rows(app, AuditEvent)
    checked = run(app, supervisor, "items", five_hundred_items(bad=True), apply=False)
    assert checked.rows == 500
    assert problems(checked) == [(41, "unit"), (202, "sku"), (350, "gtin")]
    assert "kgs" in checked.problems[0].message
    assert "row 11" in checked.problems[1].message
    assert count_rows(app, Item) == 0 and count_rows(app, AuditEvent) == audit_events

    refused = run(app, supervisor, "items", five_hundred_items(bad=True), apply=True)
    assert not refused.applied
    assert problems(refused) == [(41, "unit"), (202, "sku"), (350, "gtin")]
    assert count_rows(app, Item) == 0

    fixed = five_hundred_items(bad=False)
    assert run(app, supervisor, "items", fixed, apply=False).problems == []
    assert count_rows(app, Item) == 0
    applied = run(app, supervisor, "items", fixed, apply=True)
    assert applied.applied and applied.problems == [] and applied.created == 500
    assert count_rows(app, Item) == 500
    with app.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.sku == "MAT-0007"))
        assert item.gtin == "0" + gtin13("594000000007")
        assert (item.kind, item.unit, item.reorder_point) == ("material", "g", Decimal(100))
        assert check_all() == []


def test_the_same_file_cannot_be_applied_twice(app, supervisor):
    content = to_csv(["sku", "name", "kind", "unit"], [["WAX", "Wax", "material", "kg"]])
    assert run(app, supervisor, "items", content, apply=True).applied
    again = run(app, supervisor, "items", content, apply=True)
    assert problems(again) == [(2, "sku")] and "already used" in again.problems[0].message
    assert count_rows(app, Item) == 1


def test_suppliers_customers_and_locations_import(app, supervisor):
    suppliers = to_csv(["name", "contact", "email", "phone", "address", "notes"],
                       [["Ceruri SRL", "Ana", "ana@example.com", "0721", "Cluj", ""],
                        ["Uleiuri SA", "", "", "", "", "slow"]])
    customers = to_csv(["Name", "Email"], [["Magazin Verde", "shop@example.com"]])
    locations = to_csv(["code", "name", "kind"], [["RAW-1", "Raw shelf", "storage"],
                                                  ["QC", "Quarantine", "quarantine"],
                                                  ["BAD", "Bad kind", "attic"]])
    assert run(app, supervisor, "suppliers", suppliers, apply=True).created == 2
    assert run(app, supervisor, "customers", customers, apply=True).created == 1
    refused = run(app, supervisor, "locations", locations, apply=True)
    assert problems(refused) == [(4, "kind")]
    assert count_rows(app, Location) == 0
    fixed = locations.replace(b"attic", b"shipping")
    assert run(app, supervisor, "locations", fixed, apply=True).created == 3
    assert (count_rows(app, Supplier), count_rows(app, Customer), count_rows(app, Location)) \
        == (2, 1, 3)


def test_items_may_name_their_default_supplier(app, supervisor):
    make_supplier(app, "Ceruri SRL")
    content = to_csv(["sku", "name", "kind", "unit", "default_supplier"],
                     [["WAX", "Wax", "material", "kg", "Ceruri SRL"],
                      ["OIL", "Oil", "material", "ml", "Nobody SRL"]])
    result = run(app, supervisor, "items", content, apply=False)
    assert problems(result) == [(3, "default_supplier")]


RECIPE_HEADER = ["product", "yield_quantity", "unit", "labour_minutes", "labour_rate",
                 "overhead", "item", "quantity", "line_unit", "loss_percent"]


@pytest.fixture
def components(app):
    for sku, unit, kind in (("WAX", "g", "material"), ("OIL", "ml", "material"),
                            ("WICK", "pcs", "material"), ("JAR", "pcs", "material"),
                            ("BASE", "g", "intermediate"), ("CANDLE", "pcs", "product")):
        make_item(app, sku=sku, unit=unit, kind=kind, density="0.9" if sku == "OIL" else None)


def test_recipes_import_one_row_per_line_and_may_use_a_recipe_made_earlier_in_the_file(
        app, supervisor, components):
    content = to_csv(RECIPE_HEADER, [
        ["BASE", "1", "kg", "30", "20", "1.50", "WAX", "950", "g", ""],
        ["BASE", "1", "kg", "30", "20", "1.50", "OIL", "50", "ml", "2"],
        ["CANDLE", "10", "", "60", "18", "4", "BASE", "1.8", "kg", ""],
        ["", "", "", "", "", "", "WICK", "10", "", ""],
        ["CANDLE", "10", "", "60", "18", "4", "JAR", "10", "pcs", ""],
    ])
    result = run(app, supervisor, "recipes", content, apply=True)
    assert result.problems == [] and result.created == 2
    with app.app_context():
        book = recipes.recipe_book()
        assert book["BASE"].yield_quantity == Decimal(1000)
        assert [(line.item, line.quantity, line.loss_percent) for line in book["BASE"].lines] \
            == [("WAX", Decimal(950), Decimal(0)), ("OIL", Decimal(50), Decimal(2))]
        assert [line.item for line in book["CANDLE"].lines] == ["BASE", "WICK", "JAR"]
        assert book["CANDLE"].lines[0].quantity == Decimal(1800)
        assert book["CANDLE"].labour_minutes == Decimal(60)


def test_a_cycle_through_a_recipe_earlier_in_the_file_is_named_on_its_row(
        app, supervisor, components):
    content = to_csv(RECIPE_HEADER, [
        ["BASE", "1000", "", "", "", "", "WAX", "950", "", ""],
        ["BASE", "1000", "", "", "", "", "CANDLE", "1", "", ""],
        ["CANDLE", "10", "", "", "", "", "WICK", "10", "", ""],
        ["CANDLE", "10", "", "", "", "", "BASE", "1800", "", ""],
    ])
    result = run(app, supervisor, "recipes", content, apply=False)
    assert problems(result) == [(5, "item")]
    assert "CANDLE → BASE → CANDLE" in result.problems[0].message
    assert count_rows(app, Recipe) == 0


def test_recipe_rows_name_their_own_problems(app, supervisor, components):
    content = to_csv(RECIPE_HEADER, [
        ["BASE", "1000", "", "", "", "", "WAX", "950", "", ""],
        ["BASE", "1000", "", "", "", "", "OIL", "50", "pcs", ""],      # ml item in pcs
        ["BASE", "2000", "", "", "", "", "GHOST", "5", "", ""],        # yield differs, no item
        ["BASE", "", "", "", "", "", "WAX", "10", "", ""],             # twice
        ["CANDLE", "10", "", "", "", "", "WICK", "ten", "", ""],
        ["JAR", "10", "", "", "", "", "WICK", "1", "", ""],            # a material
        ["BASE", "1000", "", "", "", "", "JAR", "1", "", ""],          # BASE split up
        ["CANDLE2", "1", "", "", "", "", "WICK", "1", "", "100"],
    ])
    result = run(app, supervisor, "recipes", content, apply=False)
    assert problems(result) == [(3, "line_unit"), (4, "item"), (4, "yield_quantity"),
                                (5, "item"), (6, "quantity"), (7, "product"), (8, "product"),
                                (9, "loss_percent")]
    assert "row 2" in result.problems[3].message
    assert "row 2" in result.problems[6].message


OPENING_HEADER = ["item", "quantity", "unit", "location", "unit_cost", "lot_code", "expiry",
                  "supplier_lot"]


def test_opening_stock_makes_opening_lots_that_the_ledger_checks(app, supervisor):
    make_location(app, "RAW")
    make_item(app, sku="WAX", unit="g", shelf_life_days=30)
    make_item(app, sku="CANDLE", unit="pcs", kind="product")
    past = (date.today() - timedelta(days=3)).isoformat()
    content = to_csv(OPENING_HEADER, [
        ["WAX", "25", "kg", "RAW", "4.20", "", "", "S-1"],
        ["WAX", "500", "", "RAW", "0.005", "WAX-OLD", past, ""],
        ["CANDLE", "40", "", "RAW", "11.35", "CL-1", "", ""],
    ])
    result = run(app, supervisor, "opening_stock", content, apply=True)
    assert result.problems == [] and result.created == 3
    with app.app_context():
        lots = {lot.code: lot for lot in db.session.scalars(sa.select(Lot))}
        assert {lot.origin for lot in lots.values()} == {"opening"}
        generated = next(lot for code, lot in lots.items() if code not in ("WAX-OLD", "CL-1"))
        assert generated.unit_cost == Decimal("0.0042") and generated.supplier_lot == "S-1"
        assert generated.expiry == date.today() + timedelta(days=30)
        assert lots["WAX-OLD"].status == "quarantine"
        moves = db.session.execute(sa.select(StockMove.reason, StockMove.reference_type,
                                             StockMove.reference_id, StockMove.quantity)
                                   .order_by(StockMove.id)).all()
        assert moves == [("receipt", "opening", None, Decimal(25000)),
                         ("receipt", "opening", None, Decimal(500)),
                         ("receipt", "opening", None, Decimal(40))]
        assert check_all() == []


def test_opening_stock_problems_are_named_and_nothing_is_kept(app, supervisor):
    make_location(app, "RAW")
    make_wip_location(app, "WIP-X")
    make_item(app, sku="WAX", unit="g")
    content = to_csv(OPENING_HEADER, [
        ["WAX", "25", "kg", "RAW", "4.20", "L-1", "", ""],
        ["WAX", "25", "pcs", "RAW", "4.20", "L-2", "", ""],
        ["WAX", "1", "", "NOWHERE", "1", "", "", ""],
        ["WAX", "1", "", "RAW", "", "", "", ""],
        ["WAX", "1", "", "RAW", "1", "L-1", "", ""],
        ["WAX", "1", "", "RAW", "1", "", "31/12/2026", ""],
        ["WAX", "1", "", "WIP-X", "1", "", "", ""],
    ])
    result = run(app, supervisor, "opening_stock", content, apply=True)
    assert problems(result) == [(3, "unit"), (4, "location"), (5, "unit_cost"),
                                (6, "lot_code"), (7, "expiry"), (8, "location")]
    assert count_rows(app, Lot) == 0 and count_rows(app, StockMove) == 0


def test_excel_in_romanian_semicolons_decimal_commas_and_a_bom(app, supervisor):
    make_location(app, "RAW")
    make_item(app, sku="ULEI", unit="ml")
    content = ("\ufeff" + "Item;Quantity;Unit;Location;Unit cost;Supplier lot\r\n"
               "ULEI;12,5;l;RAW;0,064;Lot „ăîșț”\r\n;;;;;\r\n").encode()
    result = run(app, supervisor, "opening_stock", content, apply=True)
    assert result.problems == [] and result.rows == 1
    with app.app_context():
        lot = db.session.scalar(sa.select(Lot))
        assert lot.supplier_lot == "Lot „ăîșț”"
        assert lot.unit_cost == Decimal("0.000064")
        assert db.session.scalar(sa.select(StockMove.quantity)) == Decimal(12500)


def test_header_problems_are_on_row_one(app, supervisor):
    unknown = run(app, supervisor, "items", b"sku,name,kind,unit,colour\nA,B,material,g,red\n",
                  apply=False)
    assert problems(unknown) == [(1, "colour")]
    missing = run(app, supervisor, "items", b"sku,name\nA,B\n", apply=False)
    assert problems(missing) == [(1, "kind")] and "kind, unit" in missing.problems[0].message


def test_unreadable_files_are_refused_saying_why(app, supervisor):
    latin = run(app, supervisor, "suppliers", "name\nCeruri Ştefan\n".encode("cp1250"),
                apply=False)
    assert latin.problems[0].row is None and "UTF-8" in latin.problems[0].message
    empty = run(app, supervisor, "suppliers", b"name\n\n", apply=False)
    assert "no rows" in empty.problems[0].message
    wide = run(app, supervisor, "suppliers", b"name\nA,extra\nB\n", apply=False)
    assert problems(wide) == [(2, None)]


def test_too_many_rows_are_refused_before_any_is_tried(app, supervisor, monkeypatch):
    monkeypatch.setattr(imports, "MAX_ROWS", 5)
    content = to_csv(["name"], [[f"Supplier {n}"] for n in range(6)])
    result = run(app, supervisor, "suppliers", content, apply=True)
    assert [p.message for p in result.problems] == [
        "the file has more than 5 rows; split it into smaller files"]
    assert count_rows(app, Supplier) == 0


def test_a_template_has_every_column_and_its_examples_import(app, supervisor):
    for name, kind in imports.KINDS.items():
        rows = list(csv.reader(io.StringIO(imports.template_csv(name))))
        assert tuple(rows[0]) == kind.columns
        assert all(len(row) == len(kind.columns) for row in rows[1:])
    make_location(app, "FG")
    make_item(app, sku="WICK", unit="pcs")
    make_item(app, sku="OIL-LAV", unit="ml")
    for name in ("suppliers", "customers", "locations", "items", "recipes", "opening_stock"):
        result = run(app, supervisor, name, imports.template_csv(name), apply=True)
        assert result.problems == [], (name, result.problems)


def test_exported_master_data_imports_into_another_shopfloor_unchanged(
        app, supervisor, database_template, tmp_path):
    """What the export writes, the import reads: formulas defused and restored, BOM,
    diacritics, line breaks in notes, GTINs, decimals."""
    import shutil

    from shopfloor import create_app
    from shopfloor.services import exports, master
    from tests.conftest import ON_POSTGRES, _config

    if ON_POSTGRES:
        pytest.skip("a second database is a second SQLite file")
    make_supplier(app, "=Ceruri, SRL")
    with app.app_context():
        master.update_party(Supplier, "=Ceruri, SRL", {"notes": "rând 1\nrând 2"})
    make_item(app, sku="WAX", name="Ceară ăîșț", unit="kg", default_supplier="=Ceruri, SRL",
              gtin="5942123456782", density="0.9", price="1.5", shelf_life_days="30",
              reorder_point="2.5")
    make_location(app, "QC", kind="quarantine")
    kinds = ("suppliers", "items", "locations")
    with app.app_context():
        files = {kind: b"".join(exports.csv_chunks(exports.KINDS[kind])) for kind in kinds}
    path = tmp_path / "other.db"
    shutil.copyfile(database_template.removeprefix("sqlite:///"), path)
    other = create_app(_config(f"sqlite:///{path}"))
    from shopfloor.services.auth import create_user

    with other.app_context():
        create_user("owner", "correct horse battery", "supervisor")
        for kind in kinds:
            owner = user(other, "owner")
            result = imports.run_import(kind, files[kind], owner, apply=True)
            assert result.applied and result.problems == [], (kind, result.problems)
        again = {kind: b"".join(exports.csv_chunks(exports.KINDS[kind])) for kind in kinds}
        db.session.remove()
        db.engine.dispose()
    assert again == files
