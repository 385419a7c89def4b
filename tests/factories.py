"""Factories: make what a test needs through the real commands, with unique codes, and
return codes (not ORM objects) so nothing leaks between sessions."""

from __future__ import annotations

import itertools
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.users import User
from shopfloor.services import master, stock

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def user(app, username: str) -> User:
    return db.session.scalar(sa.select(User).where(User.username == username))


def make_item(app, **fields) -> str:
    data = {"sku": f"ITEM-{_n()}", "name": "Test material", "kind": "material", "unit": "g"}
    data.update(fields)
    with app.app_context():
        return master.create_item(data).sku


def make_location(app, code: str | None = None, kind: str = "storage") -> str:
    with app.app_context():
        return master.create_location({"code": code or f"LOC-{_n()}",
                                       "name": "Test shelf", "kind": kind}).code


def make_wip_location(app, code: str) -> str:
    """A production order's work-in-progress place, as releasing an order makes one
    (the location screens do not offer the kind)."""
    from shopfloor.extensions import db
    from shopfloor.models.master import Location

    with app.app_context():
        db.session.add(Location(code=code, name=f"Work in progress {code}", kind="wip"))
        db.session.commit()
    return code


def make_supplier(app, name: str | None = None) -> str:
    from shopfloor.models.master import Supplier

    with app.app_context():
        return master.create_party(Supplier, {"name": name or f"Supplier {_n()}"}).name


def receive(app, username: str, item: str, location: str, quantity="100", unit_cost="0.01",
            **fields) -> str:
    """Receive a lot and return its code."""
    data = {"item": item, "location": location, "quantity": str(quantity),
            "unit_cost": str(unit_cost)}
    data.update(fields)
    with app.app_context():
        return stock.receive_lot(data, user(app, username)).lot.code


def balance(app, lot_code: str, location_code: str) -> Decimal:
    from shopfloor.models.master import Location
    from shopfloor.models.stock import Balance, Lot

    with app.app_context():
        value = db.session.scalar(
            sa.select(Balance.quantity).join(Lot, Lot.id == Balance.lot_id)
            .join(Location, Location.id == Balance.location_id)
            .where(Lot.code == lot_code, Location.code == location_code))
        return value if value is not None else Decimal(0)


def count_rows(app, model) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def make_chain(app, username: str, levels: int) -> list[str]:
    """Lots each made from the one before, `levels` deep (as a starter re-fed into every
    day's batch): their codes, the first one first. The links are written directly."""
    import itertools

    import sqlalchemy as sa

    from shopfloor.extensions import db
    from shopfloor.models.production import LotLink
    from shopfloor.models.stock import Lot

    item, shelf = make_item(app), make_location(app)
    codes = [receive(app, username, item, shelf, quantity="1") for _ in range(levels + 1)]
    with app.app_context():
        ids = dict(db.session.execute(sa.select(Lot.code, Lot.id)
                                      .where(Lot.code.in_(codes))).all())
        db.session.add_all(LotLink(input_lot_id=ids[made_from], output_lot_id=ids[made],
                                   quantity=Decimal("0.5"))
                           for made_from, made in itertools.pairwise(codes))
        db.session.commit()
    return codes
