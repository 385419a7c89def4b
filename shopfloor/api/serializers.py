"""How the API writes things: quantities and money as decimal strings, codes not ids."""

from __future__ import annotations

from flask import current_app, request, url_for

from shopfloor.domain.quantities import money_to_api, to_api
from shopfloor.models.master import Item, Location
from shopfloor.services.stock_queries import ItemStock, LotView


def absolute_url(endpoint: str, **values) -> str:
    """A URL on this server, on SHOPFLOOR_BASE_URL when set (what labels print)."""
    base = current_app.config.get("SHOPFLOOR_BASE_URL") or request.host_url.rstrip("/")
    return base + url_for(endpoint, **values)


def quantity(value) -> str | None:
    return None if value is None else to_api(value)


def money(value) -> str | None:
    return None if value is None else money_to_api(value)


def item_json(item: Item) -> dict:
    return {
        "sku": item.sku,
        "name": item.name,
        "kind": item.kind,
        "unit": item.unit,
        "reorder_point": quantity(item.reorder_point),
        "reorder_quantity": quantity(item.reorder_quantity),
        "default_supplier": item.default_supplier.name if item.default_supplier else None,
        "shelf_life_days": item.shelf_life_days,
        "gtin": item.gtin,
        "density": quantity(item.density),
        "price": money(item.price),
        "archived": item.archived,
    }


def party_json(party) -> dict:
    return {"id": party.id, "name": party.name, "contact": party.contact, "email": party.email,
            "phone": party.phone, "address": party.address, "notes": party.notes,
            "archived": party.archived}


def location_json(location: Location) -> dict:
    return {"code": location.code, "name": location.name, "kind": location.kind,
            "archived": location.archived}


def lot_json(view: LotView) -> dict:
    lot = view.lot
    return {
        "code": lot.code,
        "item": lot.item.sku,
        "item_name": lot.item.name,
        "unit": lot.item.unit,
        "quantity": quantity(view.quantity),
        "available": quantity(view.available),
        "locations": [{"location": row.location.code, "quantity": quantity(row.quantity)}
                      for row in view.locations],
        "expiry": lot.expiry,
        "expiry_status": view.urgency,
        "received_on": lot.received_on,
        "status": lot.status,
        "status_reason": lot.status_reason,
        "unit_cost": money(lot.unit_cost),
        "origin": lot.origin,
        "supplier": lot.supplier.name if lot.supplier else None,
        "supplier_lot": lot.supplier_lot,
        "url": absolute_url("stock.lot_page", code=lot.code),
    }


def item_stock_json(stock: ItemStock) -> dict:
    return {
        "item": stock.item.sku,
        "unit": stock.item.unit,
        "on_hand": quantity(stock.on_hand),
        "reserved": quantity(stock.reserved),
        "available": quantity(stock.available),
        "value": money(stock.value),
        "lots": [
            {"code": view.lot.code, "expiry": view.lot.expiry, "status": view.lot.status,
             "quantity": quantity(view.quantity), "available": quantity(view.available),
             "locations": [{"location": row.location.code, "quantity": quantity(row.quantity)}
                           for row in view.locations]}
            for view in stock.lots
        ],
    }
