"""The API's blueprint and what every request to it passes through before a view: CSRF for
cookie sessions, a readable and shallow JSON body, no text a database cannot store. The route
modules import it from here, and the package imports them, so imports run one way."""

from __future__ import annotations

from flask import Blueprint, current_app, request
from flask_babel import gettext as _
from werkzeug.exceptions import BadRequest

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import csrf
from shopfloor.http.hooks import refuse_text_no_database_stores

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

_SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}
# The deepest request body is a recipe's or a shipment's lines: three levels.
MAX_JSON_DEPTH = 16


@bp.before_request
def _csrf_for_cookie_sessions():
    if (request.method in _SAFE_METHODS or request.headers.get("Authorization")
            or not current_app.config.get("WTF_CSRF_ENABLED", True)):
        return None
    csrf.protect()
    return None


@bp.before_request
def _refuse_unreadable_json():
    """A JSON body that cannot be read, or nested deeper than any request of ours, is a bad
    request (400), refused before anything walks it."""
    if request.method in _SAFE_METHODS or not request.is_json or not request.get_data():
        return None
    body = request.get_json()  # 400 when it is not JSON (or too deep to parse)
    pending = [(body, 1)]
    while pending:
        value, depth = pending.pop()
        if depth > MAX_JSON_DEPTH:
            raise BadRequest(_("The body is nested deeper than %(levels)s levels.",
                               levels=MAX_JSON_DEPTH))
        if isinstance(value, dict):
            pending.extend((item, depth + 1) for item in value.values())
        elif isinstance(value, list):
            pending.extend((item, depth + 1) for item in value)
    return None


bp.before_request(refuse_text_no_database_stores)


def payload() -> dict:
    """The request body as a dict: JSON (numbers read as Decimal) or a posted form, which
    uses the same field names."""
    if request.is_json:
        body = request.get_json(silent=True)
        if not isinstance(body, dict):
            raise ValidationError(t("the body must be a JSON object"), field=None)
        return body
    return request.form.to_dict()

