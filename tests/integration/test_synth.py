"""`flask synth --lots N`: a believable synthetic history for the benchmark, on an empty
database only, that `flask check` proves sound, scaled from N and the same every time."""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.master import Item
from shopfloor.models.production import LotLink, ProductionOrder
from shopfloor.models.shipping import Shipment
from shopfloor.models.stock import Lot, StockMove
from tests import factories
from tests.conftest import ON_POSTGRES

END = "2026-11-26"


def synth(runner, tmp_path, lots: int, *extra: str) -> dict:
    manifest = tmp_path / f"synth-{lots}.json"
    result = runner.invoke(args=["synth", "--lots", str(lots), "--end", END,
                                 "--manifest", str(manifest), *extra])
    assert result.exit_code == 0, result.output
    return json.loads(manifest.read_text())


def empty_the_database(app) -> None:
    with app.app_context():
        if ON_POSTGRES:
            tables = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
        else:
            db.drop_all()
            db.create_all()
        db.session.remove()


def fingerprint(app) -> str:
    """What a second run must repeat exactly: every lot, move and link."""
    digest = hashlib.sha256()
    with app.app_context():
        for statement in (
                sa.select(Lot.code, Lot.unit_cost, Lot.expiry, Lot.status).order_by(Lot.id),
                sa.select(StockMove.lot_id, StockMove.quantity, StockMove.reason,
                          StockMove.from_location_id, StockMove.to_location_id)
                .order_by(StockMove.id),
                sa.select(LotLink.input_lot_id, LotLink.output_lot_id, LotLink.cost)
                .order_by(LotLink.id)):
            for row in db.session.execute(statement):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


def count(app, model) -> int:
    return factories.count_rows(app, model)


def test_synth_makes_a_history_that_check_proves_sound(app, runner, tmp_path):
    made = synth(runner, tmp_path, 400)

    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
    assert "invariants hold" in result.output
    counts = made["counts"]
    assert counts["lots"] == count(app, Lot)
    assert counts["moves"] == count(app, StockMove)
    assert counts["links"] == count(app, LotLink)
    # At this size the smallest catalogue a history needs (60 items) adds lots of its own.
    assert 300 <= counts["lots"] <= 800
    assert counts["moves"] >= 5 * counts["lots"]
    assert counts["links"] >= counts["orders"]
    with app.app_context():
        statuses = dict(db.session.execute(
            sa.select(ProductionOrder.status, sa.func.count()).group_by(ProductionOrder.status)
        ).all())
        levels = set(db.session.scalars(sa.select(Item.kind).distinct()))
        years = db.session.execute(
            sa.select(sa.func.min(StockMove.created_at), sa.func.max(StockMove.created_at))).one()
    assert statuses["completed"] >= counts["orders"] / 2
    assert {"released", "in_progress", "draft"} <= set(statuses)
    assert levels == {"material", "intermediate", "product"}
    assert (years[1] - years[0]).days > 9 * 365
    assert count(app, Shipment) > 0


def test_synth_scales_with_the_lots_asked_for(app, runner, tmp_path):
    small = synth(runner, tmp_path, 400)["counts"]
    empty_the_database(app)
    large = synth(runner, tmp_path, 2000)["counts"]

    # Five times the lots: everything grows with them (less than five times where a
    # fixed part, like the open orders the benchmark needs, weighs at this small size).
    for name in ("lots", "moves", "links", "orders", "shipments"):
        assert 2 <= large[name] / small[name] <= 8, (name, small[name], large[name])
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output


def test_synth_is_the_same_every_time_for_a_seed_and_end_date(app, runner, tmp_path):
    first = synth(runner, tmp_path, 300, "--seed", "7")
    first_rows = fingerprint(app)
    empty_the_database(app)
    second = synth(runner, tmp_path, 300, "--seed", "7")

    assert second["counts"] == first["counts"]
    assert second["hot_spots"] == first["hot_spots"]
    assert fingerprint(app) == first_rows


def test_synth_refuses_a_database_that_is_not_empty(app, runner):
    factories.make_item(app, sku="WAX-REAL")

    result = runner.invoke(args=["synth", "--lots", "300"])

    assert result.exit_code == 1
    assert "not empty" in result.output
    assert count(app, Lot) == 0


def test_synth_leaves_what_the_benchmark_needs_ready(app, runner, tmp_path):
    """The hot spots: orders ready to complete (20 and many components), an order to
    suggest lots for, a bulk lot with a wide forward trace and a box with a deep one."""
    from shopfloor.services import genealogy, production, stock
    from shopfloor.services.auth import create_user

    hot = synth(runner, tmp_path, 600)["hot_spots"]
    with app.app_context():
        create_user("bench", "correct horse battery", "supervisor")
        user = factories.user(app, "bench")
        for number in (hot["ready_20"][0], hot["ready_200"][0]):
            order = production.get_order(number)
            components = len(order.requirements)
            done = production.complete_order(number, {"quantity": str(order.planned_quantity)},
                                             user)
            assert done.order.status == "completed"
            assert len({lot.item_id for lot, _q, _c in done.consumed}) == components
        assert len(production.get_order(hot["ready_20"][1]).requirements) == 20
        assert len(production.get_order(hot["ready_200"][1]).requirements) == \
            hot["library_components"]
        found = production.suggestions(production.get_order(hot["suggest_20"]))
        assert len(found) == 20
        assert all(row.shortage == Decimal(0) and row.picks for row in found)
        forward = genealogy.trace(stock.get_lot(hot["hub_lot"]), genealogy.FORWARD)
        backward = genealogy.trace(stock.get_lot(hot["library_lot"]), genealogy.BACKWARD)
        assert forward.lot_count > 10 and forward.shipments
        assert backward.lot_count > 50
        assert stock.get_lot(hot["sample_lots"][0])
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
