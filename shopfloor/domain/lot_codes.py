"""Lot codes from a configurable pattern such as `{sku}-{yymmdd}-{seq}`.

The pattern is the workshop's choice (a setting). `{seq}` counts up per rendered prefix, so
`WAX-261125-001`, `WAX-261125-002`, … and the count starts again the next day.
"""

from __future__ import annotations

import re
from datetime import date

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t

DEFAULT_PATTERN = "{sku}-{yymmdd}-{seq}"
_TOKEN = re.compile(r"\{([a-z0-9]+)\}")
_DATE_TOKENS = {
    "yymmdd": "%y%m%d", "yyyymmdd": "%Y%m%d", "yy": "%y", "yyyy": "%Y", "mm": "%m", "dd": "%d",
}
_SEQ_TOKENS = {"seq": 3, "seq4": 4, "seq5": 5}


def validate_pattern(pattern: str, field: str = "lot_code_pattern") -> str:
    tokens = _TOKEN.findall(pattern or "")
    unknown = [token for token in tokens
               if token != "sku" and token not in _DATE_TOKENS and token not in _SEQ_TOKENS]
    if unknown:
        raise ValidationError(t("unknown placeholder {placeholder} in the lot code pattern",
                                placeholder="{" + unknown[0] + "}"), field=field)
    if sum(token in _SEQ_TOKENS for token in tokens) != 1:
        raise ValidationError(t("the lot code pattern needs exactly one {seq}"), field=field)
    return pattern


def sequence_key(pattern: str, sku: str, on: date) -> str:
    """The counter a code belongs to: the pattern rendered with everything but the number."""
    return "lot:" + _render(pattern, sku, on, seq=None)


def render_lot_code(pattern: str, sku: str, on: date, seq: int) -> str:
    return _render(pattern, sku, on, seq)


def _render(pattern: str, sku: str, on: date, seq: int | None) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(1)
        if token == "sku":
            return sku
        if token in _DATE_TOKENS:
            return on.strftime(_DATE_TOKENS[token])
        width = _SEQ_TOKENS[token]
        return "#" * width if seq is None else str(seq).zfill(width)

    return _TOKEN.sub(replace, validate_pattern(pattern))
