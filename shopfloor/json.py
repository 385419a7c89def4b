"""JSON the way the API promises it: quantities and money as decimal strings, dates as
ISO 8601, and numbers in request bodies read as Decimal, never float."""

from __future__ import annotations

import json
from datetime import date, datetime
from decimal import Decimal

import orjson
from flask import current_app
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
        try:
            return json.loads(s, **kwargs)
        except RecursionError:  # nested past what the parser can follow: not readable
            raise ValueError("JSON nested too deeply") from None


#: Dates natively (the same ISO 8601 as `_default`), datetimes to the second as `_default`
#: writes them, a newline after as Flask's provider adds; anything else it cannot write
#: (Decimal) through `_default`.
_ORJSON_OPTIONS = orjson.OPT_OMIT_MICROSECONDS | orjson.OPT_APPEND_NEWLINE


def large_response(body):
    """`current_app.json.response(body)`, the same bytes, written by orjson: for answers of
    megabytes (a trace of tens of thousands of lots is 13 MB), where the standard library's
    encoder takes several times as long. `body` may hold `orjson.Fragment`s, JSON written
    already. Indented in debug mode, as the provider indents."""
    provider = current_app.json
    options = _ORJSON_OPTIONS
    if provider.compact is False or (provider.compact is None and current_app.debug):
        options |= orjson.OPT_INDENT_2
    return current_app.response_class(orjson.dumps(body, default=_default, option=options),
                                      mimetype=provider.mimetype)
