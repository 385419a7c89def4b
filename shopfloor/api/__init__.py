"""The JSON API under /api/v1 (DESIGN.md §6). Bearer tokens for machines and scripts; the
app's own pages may call it with their session cookie, and then must send the CSRF token
in the X-CSRFToken header like any form."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


@bp.before_request
def _csrf_for_cookie_sessions():
    if (request.method in _SAFE_METHODS or request.headers.get("Authorization")
            or not current_app.config.get("WTF_CSRF_ENABLED", True)):
        return None
    csrf.protect()
    return None


@bp.before_request
def refuse_text_no_database_stores():
    """A NUL character or a lone surrogate ("\\udb38" in JSON) cannot be stored or even
    looked up (PostgreSQL refuses NUL; neither database takes text that is not UTF-8), so
    such input is refused here, naming its field, rather than failing deep in a query.
    The pages' forms are checked by the same function (registered in `shopfloor.web`)."""
    fields = [("path", request.path), *request.args.items(multi=True),
              *((f"{name} (name)", name) for name in request.args),
              ("Idempotency-Key", request.headers.get("Idempotency-Key", ""))]
    if request.is_json:
        fields.extend(_strings(request.get_json(silent=True), None))
    elif request.form:
        fields.extend(request.form.items(multi=True))
    for name, value in fields:
        if "\x00" in value or not value.isascii() and not _is_utf8(value):
            raise ValidationError(t("{name} contains a character that cannot be stored", name=name),
                                  field=name)
    return None


def _strings(value, field):
    """(field, text) for every string in a JSON document, keys included."""
    if isinstance(value, str):
        yield field or "body", value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key, key
            yield from _strings(item, key)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item, field)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


@bp.get("/me")
@allow("operator")
def me():
    return {"username": current_user.username, "role": current_user.role,
            "locale": current_user.locale}


def payload() -> dict:
    """The request body as a dict: JSON (numbers read as Decimal) or a posted form, which
    uses the same field names."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValidationError(t("the body must be a JSON object"), field=None)
        return body
    return request.form.to_dict()


from shopfloor.api import business, data, openapi, production, routes, traceability  # noqa: E402,F401,I001
from shopfloor.api import printing  # noqa: E402,F401
