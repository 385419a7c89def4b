"""One place turns refusals into responses: JSON errors on the API, friendly pages
elsewhere (docs/ARCHITECTURE.md, "Errors"). A 500 never shows a stack trace or a secret."""

from __future__ import annotations

from flask import jsonify, render_template
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from shopfloor.access import is_api_request
from shopfloor.domain.errors import DomainError
from shopfloor.domain.messages import translate


def json_error(status: int, code: str, message: str, field: str | None = None, details=None):
    body = {"code": code, "message": message, "field": field}
    if details is not None:
        body["details"] = details
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _page(status: int, title: str, message: str):
    return render_template("errors/error.html", status=status, title=title,
                           message=message), status


def init_app(app) -> None:
    @app.errorhandler(DomainError)
    def _domain_error(error: DomainError):
        message = translate(error.message, _)
        if is_api_request():
            return json_error(error.status, error.code, message, error.field, error.details)
        return _page(error.status, _("That could not be done"), message)

    @app.errorhandler(CSRFError)
    def _csrf_error(error: CSRFError):
        message = _("The form expired or was sent from elsewhere. Reload the page and try again.")
        if is_api_request():
            return json_error(400, "csrf", message, "csrf_token")
        return _page(400, _("Please try again"), message)

    @app.errorhandler(HTTPException)
    def _http_error(error: HTTPException):
        titles = {
            400: _("Bad request"),
            401: _("Please sign in"),
            403: _("Not allowed"),
            404: _("Not found"),
            405: _("Not allowed"),
            413: _("Too large"),
            429: _("Too many attempts"),
        }
        messages = {
            403: _("Your role does not allow this. Ask a supervisor or an admin."),
            404: _("There is nothing here. Check the code or scan it again."),
            413: _("What was sent is larger than this server accepts."),
        }
        status = error.code or 500
        title = titles.get(status, _("Something went wrong"))
        # Werkzeug's own descriptions are English; one the code gave is kept.
        described = error.description != type(error).description
        message = messages.get(status) or (error.description if described else None) or title
        if is_api_request():
            return json_error(status, _code_for(status), str(message))
        return _page(status, title, message)

    @app.errorhandler(Exception)
    def _unexpected(error: Exception):
        app.logger.exception("unhandled error")
        message = _("Something went wrong on the server. Nothing was changed; try again.")
        if is_api_request():
            return json_error(500, "server_error", message)
        return _page(500, _("Something went wrong"), message)


def _code_for(status: int) -> str:
    return {
        400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
        405: "method_not_allowed", 409: "conflict", 413: "too_large", 415: "unsupported",
        422: "invalid", 429: "too_many_requests",
    }.get(status, "error")
