"""Demo data: a small candle and cosmetics workshop to try Shopfloor on. Everything goes
through the same commands a person would use, so the demo obeys every rule."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.master import Customer, Supplier
from shopfloor.models.users import User
from shopfloor.services import master, production, recipes, shipping, stock
from shopfloor.services.auth import create_user

DEMO_PASSWORD = "shopfloor-demo"
DEMO_USERS = (("admin", "admin"), ("supervisor", "supervisor"), ("operator", "operator"))

SUPPLIERS = (
    {"name": "CeraPura Waxes", "contact": "Ioana Pop", "email": "orders@cerapura.example",
     "phone": "+40 21 555 0101"},
    {"name": "Aroma Lab", "contact": "Mihai Ionescu", "email": "sales@aromalab.example"},
    {"name": "Glass & Jar Co", "email": "hello@glassjar.example"},
    {"name": "Wick Works", "email": "wicks@wickworks.example"},
)
CUSTOMERS = (
    {"name": "Casa Verde Shop", "contact": "Ana Dumitru", "address": "Str. Florilor 12, Cluj"},
    {"name": "Saturday Market Stall"},
    {"name": "Online Orders"},
)
LOCATIONS = (
    {"code": "RAW-A1", "name": "Raw materials, shelf A1"},
    {"code": "RAW-A2", "name": "Raw materials, shelf A2"},
    {"code": "COOL-1", "name": "Cool cabinet (oils)"},
    {"code": "POUR-1", "name": "Pouring station", "kind": "production"},
    {"code": "FG-1", "name": "Finished goods", "kind": "storage"},
    {"code": "DOCK", "name": "Shipping dock", "kind": "shipping"},
    {"code": "QUAR", "name": "Quarantine shelf", "kind": "quarantine"},
)
ITEMS = (
    {"sku": "WAX-SOY", "name": "Soy wax flakes", "kind": "material", "unit": "g",
     "reorder_point": "10000", "reorder_quantity": "25000", "default_supplier": "CeraPura Waxes",
     "shelf_life_days": 730},
    {"sku": "WAX-BEE", "name": "Beeswax pellets", "kind": "material", "unit": "g",
     "reorder_point": "2000", "reorder_quantity": "5000", "default_supplier": "CeraPura Waxes",
     "shelf_life_days": 1095},
    {"sku": "OIL-LAV", "name": "Lavender essential oil", "kind": "material", "unit": "ml",
     "density": "0.885", "reorder_point": "500", "reorder_quantity": "1000",
     "default_supplier": "Aroma Lab", "shelf_life_days": 540, "gtin": "05941234000013"},
    {"sku": "OIL-VAN", "name": "Vanilla fragrance oil", "kind": "material", "unit": "ml",
     "density": "1.02", "reorder_point": "300", "reorder_quantity": "1000",
     "default_supplier": "Aroma Lab", "shelf_life_days": 365},
    {"sku": "SHEA", "name": "Shea butter, unrefined", "kind": "material", "unit": "g",
     "reorder_point": "1000", "reorder_quantity": "5000", "shelf_life_days": 365},
    {"sku": "WICK-M", "name": "Cotton wick, medium", "kind": "material", "unit": "pcs",
     "reorder_point": "200", "reorder_quantity": "1000", "default_supplier": "Wick Works"},
    {"sku": "JAR-200", "name": "Amber glass jar 200 ml", "kind": "material", "unit": "pcs",
     "reorder_point": "100", "reorder_quantity": "500", "default_supplier": "Glass & Jar Co"},
    {"sku": "BASE-LAV", "name": "Lavender scented wax base", "kind": "intermediate",
     "unit": "g", "shelf_life_days": 180},
    {"sku": "CANDLE-LAV", "name": "Lavender candle 200 ml", "kind": "product", "unit": "pcs",
     "price": "18.50", "shelf_life_days": 730, "gtin": "05941234000020"},
    {"sku": "BALM-VAN", "name": "Vanilla lip balm", "kind": "product", "unit": "pcs",
     "price": "6.90", "shelf_life_days": 365},
)
# (item, quantity, unit, unit cost per that unit, location, supplier lot, days to expiry)
RECEIPTS = (
    ("WAX-SOY", "20", "kg", "4.20", "RAW-A1", "CP-24-1187", 700),
    ("WAX-SOY", "5", "kg", "4.35", "RAW-A1", "CP-24-1203", 400),
    ("WAX-BEE", "3000", "g", "0.018", "RAW-A2", "CP-BW-553", 900),
    ("OIL-LAV", "1", "l", "64.00", "COOL-1", "AL-LAV-0925", 12),
    ("OIL-LAV", "500", "ml", "33.00", "COOL-1", "AL-LAV-1125", 520),
    ("OIL-VAN", "1", "kg", "38.00", "COOL-1", "AL-VAN-77", 300),
    ("SHEA", "2", "kg", "11.50", "RAW-A2", None, 330),
    ("WICK-M", "150", "pcs", "0.09", "RAW-A2", "WW-3321", None),
    ("JAR-200", "400", "pcs", "0.62", "RAW-A2", "GJ-2025-11", None),
)


def load_demo(only_if_empty: bool = False) -> bool:
    if only_if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(User)):
        return False
    for username, role in DEMO_USERS:
        create_user(username, DEMO_PASSWORD, role)
    for data in SUPPLIERS:
        master.create_party(Supplier, data)
    for data in CUSTOMERS:
        master.create_party(Customer, data)
    for data in LOCATIONS:
        master.create_location(data)
    admin = db.session.scalar(sa.select(User).where(User.username == "admin"))
    for data in ITEMS:
        master.create_item(data, user=admin)
    today = stock.today()
    for sku, quantity, unit, cost, location, supplier_lot, days in RECEIPTS:
        stock.receive_lot({
            "item": sku, "quantity": quantity, "unit": unit, "unit_cost": cost,
            "location": location, "supplier_lot": supplier_lot,
            "expiry": (today + timedelta(days=days)).isoformat() if days else None,
        }, admin)
    _production_history(admin)
    return True


RECIPES = (
    # 1 kg of lavender base: soy wax with 6 % lavender oil, a little lost in the pot.
    {"product": "BASE-LAV", "yield_quantity": "1", "unit": "kg",
     "lines": [{"item": "WAX-SOY", "quantity": "940", "unit": "g"},
               {"item": "OIL-LAV", "quantity": "60", "unit": "ml", "loss_percent": "3"}],
     "labour_minutes": "20", "labour_rate": "24", "overhead": "0.80"},
    # 10 candles of 200 ml (180 g of base each), a wick and a jar each.
    {"product": "CANDLE-LAV", "yield_quantity": "10",
     "lines": [{"item": "BASE-LAV", "quantity": "1.8", "unit": "kg"},
               {"item": "WICK-M", "quantity": "10"}, {"item": "JAR-200", "quantity": "10"}],
     "labour_minutes": "45", "labour_rate": "24", "overhead": "3.50"},
    # 25 lip balms from shea, beeswax and vanilla.
    {"product": "BALM-VAN", "yield_quantity": "25",
     "lines": [{"item": "SHEA", "quantity": "60", "unit": "g"},
               {"item": "WAX-BEE", "quantity": "40", "unit": "g"},
               {"item": "OIL-VAN", "quantity": "5", "unit": "ml"}],
     "labour_minutes": "30", "labour_rate": "24", "overhead": "1.00"},
)


def _production_history(admin) -> None:
    """Recipes, a base and a batch of candles made through picks, a shipment to a shop,
    and one order released and waiting to be picked."""
    for data in RECIPES:
        recipes.create_recipe(data, admin)

    def make(product, quantity):
        order = production.create_order({"product": product, "quantity": quantity}, admin)
        production.release_order(order.number, admin)
        for found in production.suggestions(order):
            for pick in found.picks:
                production.pick(order.number, {"lot": pick.lot_code, "location": pick.location,
                                               "quantity": str(pick.quantity)}, admin)
        return production.complete_order(order.number, {"quantity": quantity,
                                                        "location": "FG-1"}, admin)

    make("BASE-LAV", "6000")
    candles = make("CANDLE-LAV", "20")
    shipping.ship({"customer": "Casa Verde Shop", "reference": "INV-2026-0412",
                   "lines": [{"lot": candles.output_lot.code, "quantity": "12"}]}, admin)
    waiting = production.create_order({"product": "CANDLE-LAV", "quantity": "10",
                                       "due_date": (stock.today() + timedelta(days=3))
                                       .isoformat()}, admin)
    production.release_order(waiting.number, admin)


def demo_sign_ins() -> list[tuple[str, str]]:
    """(username, role) of every demo account that still has the demo password: what
    `make run` tells the person trying Shopfloor to sign in with."""
    found = []
    for username, _role in DEMO_USERS:
        user = db.session.scalar(sa.select(User).where(User.username == username))
        if user is not None and user.active and user.check_password(DEMO_PASSWORD):
            found.append((username, user.role))
    return found
