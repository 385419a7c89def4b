"""A trace writes each lot's facts as the database made them (one JSON object per lot, see
genealogy._facts_json): on both databases that text must be what Python's json module
writes for the same values, however awkward the strings."""

from __future__ import annotations

import json
from datetime import date

import pytest

from shopfloor.extensions import db
from shopfloor.models.master import Item, Supplier
from shopfloor.models.production import LotLink
from shopfloor.models.stock import Lot
from shopfloor.services import genealogy

# Everything but NUL (PostgreSQL refuses it in text): control characters, quotes and
# backslashes, the slash, DEL, the line and paragraph separators, accents, CJK, an emoji.
AWKWARD = ("".join(chr(code) for code in range(1, 32)) + '"\\/\x7f\u2028\u2029'
           + "çà Ünïcödé 蜡烛 \U0001F56F")


@pytest.mark.parametrize("direction", [genealogy.BACKWARD, genealogy.FORWARD])
def test_a_lots_facts_are_written_as_pythons_json_writes_them(app, direction):
    with app.app_context():
        supplier = Supplier(name="Supplier " + AWKWARD)
        material = Item(sku="WAX-\"Ü\"", name="Wax " + AWKWARD, kind="material", unit="g")
        product = Item(sku="CANDLE", name="Candle", kind="product", unit="pcs")
        db.session.add_all([supplier, material, product])
        db.session.flush()
        wax = Lot(code="WAX\\1", item_id=material.id, origin="receipt", status="quarantine",
                  supplier_id=supplier.id, supplier_lot=AWKWARD, received_on=date(2025, 1, 2),
                  expiry=date(2026, 12, 31))
        candle = Lot(code="CANDLE-1", item_id=product.id, origin="production",
                     status="available", received_on=date(2025, 1, 3))
        db.session.add_all([wax, candle])
        db.session.flush()
        db.session.add(LotLink(input_lot_id=wax.id, output_lot_id=candle.id,
                               quantity=1))
        db.session.commit()
        start = candle if direction == genealogy.BACKWARD else wax
        found = genealogy.trace(start, direction)
        expected = {
            wax.id: {"code": "WAX\\1", "item": "WAX-\"Ü\"", "item_name": "Wax " + AWKWARD,
                     "unit": "g", "origin": "receipt", "status": "quarantine",
                     "expiry": "2026-12-31", "received_on": "2025-01-02",
                     "supplier": "Supplier " + AWKWARD, "supplier_lot": AWKWARD},
            candle.id: {"code": "CANDLE-1", "item": "CANDLE", "item_name": "Candle",
                        "unit": "pcs", "origin": "production", "status": "available",
                        "expiry": None, "received_on": "2025-01-03", "supplier": None,
                        "supplier_lot": None}}
        assert {lot_id: text for lot_id, (text, _kind) in found.facts.items()} == {
            lot_id: json.dumps(facts, ensure_ascii=False, separators=(",", ":"))
            for lot_id, facts in expected.items()}
        lots = {node.lot.code: node.lot for node in (found.root, *found.root.children)}
        assert lots["WAX\\1"].supplier_lot == AWKWARD
        assert lots["WAX\\1"].expiry == date(2026, 12, 31)
        assert lots["CANDLE-1"].kind == "product" and lots["CANDLE-1"].expiry is None
