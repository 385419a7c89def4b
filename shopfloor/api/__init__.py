"""The JSON API under /api/v1 (docs/ARCHITECTURE.md, "Contracts"). Bearer tokens for machines
and scripts; the app's own pages may call it with their session cookie, and then must send
the CSRF token in the X-CSRFToken header like any form.

Importing the package registers every route on its blueprint (`blueprint.bp`)."""

from shopfloor.api import business, data, openapi, printing, production, routes, sales, traceability  # noqa: F401
from shopfloor.api.blueprint import bp

__all__ = ["bp"]
