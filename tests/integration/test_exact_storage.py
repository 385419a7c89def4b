"""Quantities and money are stored and summed exactly on SQLite and PostgreSQL."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.types import Money, Quantity

scratch = sa.MetaData()
amounts = sa.Table(
    "scratch_amounts", scratch,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("quantity", Quantity()),
    sa.Column("cost", Money()),
)


@pytest.fixture
def table(app):
    with app.app_context():
        scratch.create_all(db.engine)
        yield
        db.session.rollback()
        scratch.drop_all(db.engine)


def test_a_tenth_added_ten_times_is_exactly_one(app, table):
    with app.app_context():
        db.session.execute(amounts.insert(), [{"quantity": Decimal("0.1"),
                                               "cost": Decimal("0.1")}] * 10)
        total_q, total_c = db.session.execute(
            sa.select(sa.func.sum(amounts.c.quantity), sa.func.sum(amounts.c.cost))).one()
    assert total_q == Decimal("1") and isinstance(total_q, Decimal)
    assert total_c == Decimal("1")


def test_values_round_trip_exactly(app, table):
    values = [Decimal("0.000001"), Decimal("12.5"), Decimal("999999999.999999"), Decimal("0")]
    with app.app_context():
        db.session.execute(amounts.insert(), [{"quantity": v, "cost": v} for v in values])
        back = db.session.scalars(sa.select(amounts.c.quantity).order_by(amounts.c.id)).all()
    assert back == values
    assert all(isinstance(v, Decimal) for v in back)


def test_millions_of_small_amounts_sum_without_drift(app, table):
    with app.app_context():
        db.session.execute(amounts.insert(), [{"quantity": Decimal("0.333333"),
                                               "cost": Decimal("0.07")}] * 3000)
        total_q, total_c = db.session.execute(
            sa.select(sa.func.sum(amounts.c.quantity), sa.func.sum(amounts.c.cost))).one()
    assert total_q == Decimal("999.999") and total_c == Decimal("210")


def test_more_places_than_stored_are_refused_not_rounded(app, table):
    with app.app_context():
        with pytest.raises(sa.exc.StatementError, match="more than 6 decimal places"):
            db.session.execute(amounts.insert(), {"quantity": Decimal("0.0000001")})


def test_floats_are_refused(app, table):
    with app.app_context():
        with pytest.raises(sa.exc.StatementError, match="floats are not stored"):
            db.session.execute(amounts.insert(), {"quantity": 0.1})


def test_comparisons_in_sql_use_the_same_scale(app, table):
    with app.app_context():
        db.session.execute(amounts.insert(), [{"quantity": Decimal("2.5")},
                                              {"quantity": Decimal("0.5")}])
        big = db.session.scalars(
            sa.select(amounts.c.quantity).where(amounts.c.quantity > Decimal("1"))).all()
    assert big == [Decimal("2.5")]
