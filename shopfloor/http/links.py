"""Links into the app's pages that the API hands out too."""

from __future__ import annotations

from flask import url_for

from shopfloor.services import scan


def scan_url(result: scan.ScanResult) -> str:
    endpoints = {"lot": ("stock.lot_page", "code"), "item": ("catalog.item_page", "sku"),
                 "location": ("catalog.location_page", "code"),
                 "order": ("production.order_page", "number")}
    endpoint, arg = endpoints[result.type]
    return url_for(endpoint, **{arg: result.key})
