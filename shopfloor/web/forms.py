"""Plain HTML forms that post the API's field names to the same services. A refusal is
shown inline next to the field it names, with what the person typed kept."""

from __future__ import annotations

import uuid

from flask_babel import gettext as _

from shopfloor.domain.errors import DomainError
from shopfloor.domain.messages import translate


class FormErrors(dict):
    """field name -> translated message; `general` for errors that name no field."""

    @classmethod
    def from_error(cls, error: DomainError, fields=()) -> FormErrors:
        """An error naming a field the form shows goes next to it; any other on top."""
        field = error.field if error.field in fields else "general"
        return cls({field: translate(error.message, _)})


def new_idempotency_key() -> str:
    """Rendered into each form so a double tap or a resent form applies once."""
    return uuid.uuid4().hex
