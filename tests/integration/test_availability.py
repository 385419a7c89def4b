"""The availability rule in SQL (`services.availability.usable_stock`) says what the rule
over plain values (`domain.availability.is_usable`) says, for every kind of lot and place;
and every holder's reservation comes off the same pool."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.domain import availability as rule
from shopfloor.extensions import db
from shopfloor.models.master import Item, Location
from shopfloor.models.stock import Balance, Lot
from shopfloor.services import availability, production, recipes, stock
from tests.factories import make_item, make_location, make_wip_location, receive, user

ON = date(2026, 3, 10)


def test_the_sql_rule_and_the_domain_rule_agree_on_every_kind_of_stock(app):
    sku = make_item(app, unit="g")
    places = [make_location(app, kind=kind) for kind in ("storage", "production", "quarantine")]
    places.append(make_wip_location(app, "WIP-MO-999999"))
    expiries = (None, ON - timedelta(days=1), ON, ON + timedelta(days=1))
    with app.app_context():
        item = db.session.scalar(sa.select(Item).where(Item.sku == sku))
        locations = db.session.scalars(sa.select(Location).where(Location.code.in_(places))).all()
        expected = Decimal(0)
        for n, (status, expiry, location) in enumerate(
                itertools.product(rule.LOT_STATUSES, expiries, locations), start=1):
            lot = Lot(code=f"AGREE-{n}", item=item, origin="receipt", received_on=ON,
                      expiry=expiry, status=status)
            quantity = Decimal(n)  # each case its own amount, so a wrong one shows in the sum
            db.session.add(Balance(lot=lot, location=location, item_id=item.id,
                                   quantity=quantity))
            if rule.is_usable(status, expiry, location.kind, ON):
                expected += quantity
        db.session.commit()
        assert expected > 0
        assert availability.usable_by_item([item.id], ON) == {item.id: expected}
        lots = availability.stock_lots([item.id], ON)[item.id]
        assert sum(lot.on_hand for lot in lots) == expected


def test_a_reservation_comes_off_what_everyone_else_may_take(app, supervisor):
    wax = make_item(app, sku="WAX", unit="g")
    candle = make_item(app, sku="CANDLE", unit="pcs", kind="product")
    shelf = make_location(app, "S1")
    receive(app, supervisor, wax, shelf, quantity="130")
    with app.app_context():
        recipes.create_recipe({"product": candle, "yield_quantity": "1",
                               "lines": [{"item": wax, "quantity": "10"}]})
        order = production.create_order({"product": candle, "quantity": "3"},
                                        user(app, supervisor))
        production.release_order(order.number, user(app, supervisor))
        order = production.get_order(order.number)
        item_id = db.session.scalar(sa.select(Item.id).where(Item.sku == wax))
        holder = (availability.PRODUCTION_ORDER, order.id)
        assert availability.reserved_by_item([item_id]) == {item_id: Decimal(30)}
        assert availability.reserved_by_item([item_id], excluding=holder) == {}
        assert availability.available_by_item([item_id], stock.today()) == {item_id: Decimal(100)}
        assert availability.available_by_item([item_id], stock.today(), excluding=holder) == {
            item_id: Decimal(130)}


def test_an_order_never_shows_more_available_than_is_usable(app, workshop):
    """Its own reservation is part of the usable stock, not extra: 5000 g of wax on hand and
    1900 g reserved for the order is 5000 g the order may count on, not 6900 g."""
    with app.app_context():
        who = user(app, workshop["sup"])
        number = production.create_order({"product": "BASE", "quantity": "2000"}, who).number
        production.release_order(number, who)
        wax = production.requirement_views(production.get_order(number), stock.today())[0]
        assert (wax.item.sku, wax.reserved, wax.available) == (
            "WAX", Decimal(1900), Decimal(5000))
        production.pick(number, {"lot": "WAX-OLD", "quantity": "500"}, who)
        wax = production.requirement_views(production.get_order(number), stock.today())[0]
        # 500 g went into the order's work in progress: 4500 g left usable on the shelf.
        assert (wax.picked, wax.reserved, wax.available, wax.shortage) == (
            Decimal(500), Decimal(1400), Decimal(4500), Decimal(0))
