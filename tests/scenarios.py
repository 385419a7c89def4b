"""The suite's scenarios, made once through the real commands.

The candle workshop: a two-level product. 1000 g of lavender wax base (an intermediate) is
made from 950 g of soy wax and 50 ml of lavender oil (2 % of the oil lost), in 30 minutes
at 20/h with 1.50 overhead; 10 candles from 1.8 kg of base, 10 wicks and 10 jars, in 60
minutes at 18/h with 4.00 overhead. Stock: 5 kg of wax (WAX-OLD), 500 ml of oil (OIL-1),
100 wicks (WICK-1) and 100 jars (JAR-1) on the RAW shelf; FG takes the finished goods.
The `workshop` fixture (tests/conftest.py) is this scenario with both recipes in place.

The demo workshop (`shopfloor.services.demo`) is the other one; `demo_codes` lists what
exists in it, by kind, so generated requests sometimes name real things.
"""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.services import recipes
from tests.factories import make_item, make_location, receive, user

BASE_RECIPE = {
    "product": "BASE", "yield_quantity": "1", "unit": "kg",
    "lines": [{"item": "WAX", "quantity": "950", "unit": "g"},
              {"item": "OIL", "quantity": "50", "unit": "ml", "loss_percent": "2"}],
    "labour_minutes": "30", "labour_rate": "20", "overhead": "1.50"}
CANDLE_RECIPE = {
    "product": "CANDLE", "yield_quantity": "10",
    "lines": [{"item": "BASE", "quantity": "1.8", "unit": "kg"},
              {"item": "WICK", "quantity": "10"}, {"item": "JAR", "quantity": "10"}],
    "labour_minutes": "60", "labour_rate": "18", "overhead": "4"}


def days(n: int) -> str:
    return (date.today() + timedelta(days=n)).isoformat()


def candle_materials(app, supervisor: str) -> dict:
    """The candle workshop's places, items and stock, without recipes."""
    shelf = make_location(app, "RAW")
    finished = make_location(app, "FG")
    make_item(app, sku="WAX", name="Soy wax", unit="g")
    make_item(app, sku="OIL", name="Lavender oil", unit="ml", density="0.9")
    make_item(app, sku="WICK", name="Cotton wick", unit="pcs")
    make_item(app, sku="JAR", name="Amber jar", unit="pcs")
    make_item(app, sku="BASE", name="Lavender wax base", kind="intermediate", unit="g",
              shelf_life_days=90)
    make_item(app, sku="CANDLE", name="Lavender candle", kind="product", unit="pcs",
              shelf_life_days=365)
    receive(app, supervisor, "WAX", shelf, quantity="5", unit="kg", unit_cost="4.20",
            expiry=days(300), lot_code="WAX-OLD")
    receive(app, supervisor, "OIL", shelf, quantity="500", unit_cost="0.064",
            expiry=days(200), lot_code="OIL-1")
    receive(app, supervisor, "WICK", shelf, quantity="100", unit_cost="0.09", lot_code="WICK-1")
    receive(app, supervisor, "JAR", shelf, quantity="100", unit_cost="0.62", lot_code="JAR-1")
    return {"shelf": shelf, "finished": finished, "sup": supervisor}


def candle_workshop(app, supervisor: str) -> dict:
    """The candle workshop with both recipes (made by the recipe service)."""
    made = candle_materials(app, supervisor)
    with app.app_context():
        who = user(app, supervisor)
        recipes.create_recipe(BASE_RECIPE, who)
        recipes.create_recipe(CANDLE_RECIPE, who)
    return made


def demo_codes() -> dict[str, list[str]]:
    """What the demo workshop holds, by kind (call inside an app context)."""
    from shopfloor.models.master import Customer, Item, Location, Supplier
    from shopfloor.models.production import ProductionOrder
    from shopfloor.models.purchasing import PurchaseOrder
    from shopfloor.models.shipping import Shipment
    from shopfloor.models.stock import Lot

    def names(column) -> list:
        return list(db.session.scalars(sa.select(column).order_by(column)))

    return {"item": names(Item.sku), "location": names(Location.code),
            "lot": names(Lot.code), "order": names(ProductionOrder.number),
            "shipment": names(Shipment.number),
            "purchase_order": names(PurchaseOrder.number),
            "supplier": names(Supplier.name), "customer": names(Customer.name),
            "supplier_id": [str(i) for i in names(Supplier.id)],
            "customer_id": [str(i) for i in names(Customer.id)],
            "product": list(db.session.scalars(sa.select(Item.sku).where(
                Item.kind != "material").order_by(Item.sku)))}
