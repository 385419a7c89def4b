"""JSON the way the API promises it: quantities and money as decimal strings, dates as
ISO 8601, and numbers in request bodies read as Decimal, never float."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

from flask.json.provider import DefaultJSONProvider


def _default(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return DefaultJSONProvider.default(value)


class ShopfloorJSONProvider(DefaultJSONProvider):
    sort_keys = False
    ensure_ascii = False
    default = staticmethod(_default)

    def loads(self, s, **kwargs):
        kwargs.setdefault("parse_float", Decimal)
        return json.loads(s, **kwargs)
