"""Domain errors. Services raise these; one place (shopfloor.web.errors) turns them
into a JSON error `{"error": {"code", "message", "field"}}` or an inline form error.

Each error carries the HTTP status it maps to, so the mapping lives with the rule
that decided it rather than in every view.
"""

from __future__ import annotations


class DomainError(Exception):
    """A business rule refused the request. Nothing has been changed."""

    status = 422
    code = "invalid"

    def __init__(self, message: str, field: str | None = None, *, code: str | None = None,
                 details: object | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.details = details

    def to_dict(self) -> dict:
        body: dict = {"code": self.code, "message": self.message, "field": self.field}
        if self.details is not None:
            body["details"] = self.details
        return body


class ValidationError(DomainError):
    """The input itself is malformed or out of range (a bad quantity, an unknown unit)."""

    status = 422
    code = "invalid"


class NotFound(DomainError):
    """A code, SKU or number that does not exist."""

    status = 404
    code = "not_found"


class Conflict(DomainError):
    """The request is well-formed but the current state forbids it (already exists,
    not enough stock, wrong order status)."""

    status = 409
    code = "conflict"


class InsufficientStock(Conflict):
    """Taking more than is there, or more than is available after reservations."""

    code = "insufficient_stock"


class Forbidden(DomainError):
    """The user's role may not do this."""

    status = 403
    code = "forbidden"


class PrinterUnreachable(DomainError):
    """A label printer did not take the job (no answer, refused, or an error from it).
    Nothing else was undone: a receipt that printed by itself stays received."""

    status = 502
    code = "printer_unreachable"
