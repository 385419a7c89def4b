"""Stock commands on a real database: receive, move, count, status, and the ledger's
guarantees held by the database itself."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.domain.errors import Conflict, InsufficientStock, NotFound, ValidationError
from shopfloor.extensions import db
from shopfloor.models.audit import AuditEvent
from shopfloor.models.stock import Balance, Lot, StockMove
from shopfloor.services import stock
from shopfloor.services.invariants import check_all
from tests.factories import balance, count_rows, make_item, make_location, receive, user


@pytest.fixture
def shelf(app):
    return make_location(app)


def test_receiving_5_kg_of_a_gram_item_puts_5000_g_on_hand_at_its_cost_per_gram(
        app, supervisor, shelf):
    sku = make_item(app, unit="g")
    code = receive(app, supervisor, sku, shelf, quantity="5", unit="kg", unit_cost="12.50")
    assert balance(app, code, shelf) == Decimal("5000")
    with app.app_context():
        lot = stock.get_lot(code)
        assert lot.unit_cost == Decimal("0.0125")  # 12.50 per kg is 0.0125 per g
        moves = db.session.scalars(sa.select(StockMove).where(StockMove.lot_id == lot.id)).all()
        assert [(m.reason, m.quantity) for m in moves] == [("receipt", Decimal("5000"))]


def test_volume_received_for_a_mass_item_converts_through_its_density(app, supervisor, shelf):
    sku = make_item(app, unit="g", density="0.9")
    code = receive(app, supervisor, sku, shelf, quantity="250", unit="ml", unit_cost="0.09")
    assert balance(app, code, shelf) == Decimal("225")


def test_an_incompatible_unit_is_refused_naming_both_units(app, supervisor, shelf):
    sku = make_item(app, unit="g")
    with pytest.raises(ValidationError) as refused:
        receive(app, supervisor, sku, shelf, quantity="3", unit="pcs")
    assert refused.value.field == "unit"
    assert "pcs" in refused.value.message and "g" in refused.value.message
    assert count_rows(app, Lot) == 0


def test_lot_codes_come_from_the_pattern_and_count_up(app, supervisor, shelf):
    sku = make_item(app, sku="WAX")
    first = receive(app, supervisor, sku, shelf)
    second = receive(app, supervisor, sku, shelf)
    stamp = date.today().strftime("%y%m%d")
    assert (first, second) == (f"WAX-{stamp}-001", f"WAX-{stamp}-002")


def test_a_lot_code_already_in_use_is_refused(app, supervisor, shelf):
    sku = make_item(app)
    receive(app, supervisor, sku, shelf, lot_code="L-1")
    with pytest.raises(Conflict) as refused:
        receive(app, supervisor, sku, shelf, lot_code="L-1")
    assert refused.value.field == "lot_code" and refused.value.status == 409


def test_expiry_defaults_to_today_plus_shelf_life(app, supervisor, shelf):
    sku = make_item(app, shelf_life_days=30)
    code = receive(app, supervisor, sku, shelf)
    with app.app_context():
        assert stock.get_lot(code).expiry == date.today() + timedelta(days=30)


def test_an_expired_lot_is_refused_for_an_operator(app, operator, shelf):
    sku = make_item(app)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    with pytest.raises(ValidationError) as refused:
        receive(app, operator, sku, shelf, expiry=yesterday, accept_expired="1")
    assert refused.value.field == "expiry"
    assert count_rows(app, Lot) == 0


def test_a_supervisor_may_accept_an_expired_lot_into_quarantine(app, supervisor, shelf):
    sku = make_item(app)
    yesterday = (date.today() - timedelta(days=1)).isoformat()
    code = receive(app, supervisor, sku, shelf, expiry=yesterday, accept_expired="1")
    with app.app_context():
        assert stock.get_lot(code).status == "quarantine"


def test_a_move_transfers_the_quantity_and_is_on_the_ledger(app, operator, shelf):
    other = make_location(app)
    code = receive(app, operator, make_item(app), shelf, quantity="100")
    with app.app_context():
        stock.move_stock({"lot": code, "from": shelf, "to": other, "quantity": "30"},
                         user(app, operator))
    assert balance(app, code, shelf) == Decimal("70")
    assert balance(app, code, other) == Decimal("30")


def test_moving_more_than_is_there_is_refused_and_changes_nothing(app, operator, shelf):
    other = make_location(app)
    code = receive(app, operator, make_item(app), shelf, quantity="100")
    moves_before = count_rows(app, StockMove)
    with app.app_context(), pytest.raises(InsufficientStock) as refused:
        stock.move_stock({"lot": code, "from": shelf, "to": other, "quantity": "100.5"},
                         user(app, operator))
    assert refused.value.field == "quantity" and "only 100" in refused.value.message
    assert balance(app, code, shelf) == Decimal("100")
    assert balance(app, code, other) == Decimal(0)
    assert count_rows(app, StockMove) == moves_before


@pytest.mark.parametrize("data, field", [
    ({"quantity": "abc"}, "quantity"),
    ({"quantity": "-5"}, "quantity"),
    ({"quantity": "0"}, "quantity"),
    ({"quantity": "1.0000001"}, "quantity"),
    ({"to": "NOWHERE"}, "to"),
    ({"lot": "NO-SUCH-LOT"}, "lot"),
])
def test_bad_move_input_names_the_field(app, operator, shelf, data, field):
    other = make_location(app)
    code = receive(app, operator, make_item(app), shelf)
    request = {"lot": code, "from": shelf, "to": other, "quantity": "1", **data}
    with app.app_context(), pytest.raises((ValidationError, NotFound)) as refused:
        stock.move_stock(request, user(app, operator))
    assert refused.value.field == field


def test_a_count_difference_becomes_an_adjust_move_with_the_reason(app, operator, shelf):
    code = receive(app, operator, make_item(app), shelf, quantity="100")
    with app.app_context():
        stock.count_stock(shelf, [stock.CountLine(code, Decimal("97.5"))], user(app, operator),
                          reason="spilled")
        move = db.session.scalars(sa.select(StockMove).order_by(StockMove.id.desc())).first()
        assert (move.reason, move.quantity, move.note) == ("adjust", Decimal("2.5"), "spilled")
        assert move.from_location.code == shelf and move.to_location is None
    assert balance(app, code, shelf) == Decimal("97.5")


def test_counting_a_lot_found_where_none_was_recorded_adds_it(app, operator, shelf):
    other = make_location(app)
    code = receive(app, operator, make_item(app), shelf, quantity="10")
    with app.app_context():
        stock.count_stock(other, [stock.CountLine(code, Decimal("4"))], user(app, operator))
    assert balance(app, code, other) == Decimal("4")


def test_ledger_rows_cannot_be_updated_or_deleted(app, operator, shelf):
    receive(app, operator, make_item(app), shelf)
    with app.app_context():
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.update(StockMove).values(quantity=Decimal(1)))
        db.session.rollback()
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.delete(StockMove))
        db.session.rollback()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StockMove)) == 1


def test_the_database_refuses_a_negative_balance(app, operator, shelf):
    receive(app, operator, make_item(app), shelf)
    with app.app_context():
        with pytest.raises(sa.exc.IntegrityError):
            db.session.execute(sa.update(Balance).values(quantity=Decimal("-1")))
        db.session.rollback()


def test_quarantine_needs_a_reason_and_is_audited(app, supervisor, shelf):
    code = receive(app, supervisor, make_item(app), shelf)
    with app.app_context():
        with pytest.raises(ValidationError) as refused:
            stock.change_lot_status(code, {"status": "quarantine"}, user(app, supervisor))
        assert refused.value.field == "reason"
        stock.change_lot_status(code, {"status": "quarantine", "reason": "smells off"},
                                user(app, supervisor))
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.entity == "lot")).one()
        assert (event.entity, event.entity_key, event.before, event.after, event.reason) == (
            "lot", code, {"status": "available"}, {"status": "quarantine"}, "smells off")
        assert stock.get_lot(code).status == "quarantine"


def test_quarantined_stock_is_on_hand_but_not_available(app, supervisor, shelf):
    from shopfloor.services.stock_queries import lot_view

    code = receive(app, supervisor, make_item(app), shelf, quantity="40")
    with app.app_context():
        stock.change_lot_status(code, {"status": "quarantine", "reason": "test"},
                                user(app, supervisor))
        view = lot_view(stock.get_lot(code), date.today())
        assert (view.quantity, view.available) == (Decimal("40"), Decimal(0))


def test_check_passes_after_a_workflow_and_fails_when_a_balance_is_altered(
        app, operator, shelf, runner):
    other = make_location(app)
    code = receive(app, operator, make_item(app), shelf, quantity="100")
    with app.app_context():
        stock.move_stock({"lot": code, "from": shelf, "to": other, "quantity": "25"},
                         user(app, operator))
        assert check_all() == []
    assert runner.invoke(args=["check"]).exit_code == 0
    with app.app_context():
        db.session.execute(sa.update(Balance).where(Balance.quantity == Decimal("75"))
                           .values(quantity=Decimal("76")))
        db.session.commit()
        problems = check_all()
    assert [p.rule for p in problems] == ["balance equals ledger"]
    result = runner.invoke(args=["check"])
    assert result.exit_code == 1 and "balance 76" in result.output
