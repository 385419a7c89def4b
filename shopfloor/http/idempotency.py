"""`Idempotency-Key` (docs/ARCHITECTURE.md, "Idempotency"): a repeated key returns the first
response and changes nothing; the same key with a different request is refused with 422.

The key is claimed in the same transaction as the command's effect: the view runs inside
one outer `command()` that the service's own `command()` joins. So a key is stored exactly
when its effect is committed, and a request that fails leaves no key behind. Concurrent
replays wait for the first to commit (SQLite's write lock, or PostgreSQL's unique index)
and then return its response.
"""

from __future__ import annotations

import hashlib
import json
from functools import wraps

import sqlalchemy as sa
from flask import Response, current_app, make_response, request
from flask import session as flask_session
from flask_login import current_user

from shopfloor.database import command, insert_ignoring_conflicts
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.extensions import db
from shopfloor.models.idempotency import IdempotencyRecord

HEADER = "Idempotency-Key"
FORM_FIELD = "idempotency_key"
MAX_KEY_LENGTH = 100
_NOT_PART_OF_REQUEST = {"csrf_token", FORM_FIELD}


class _Refused(Exception):
    """The view answered with an error: roll back, forget the key, pass the answer on.
    A page that refuses by redirecting with an error message (a lot's status buttons)
    refuses too."""

    def __init__(self, response: Response):
        self.response = response


def request_key() -> str | None:
    key = request.headers.get(HEADER) or request.form.get(FORM_FIELD)
    if key is None or not key.strip():
        return None
    key = key.strip()
    if len(key) > MAX_KEY_LENGTH:
        raise ValidationError(t("{header} is longer than {maximum} characters",
                                header=HEADER, maximum=MAX_KEY_LENGTH),
                              field=HEADER)
    return key


def _fingerprint() -> str:
    """What makes two requests 'the same': method, path, query and body (JSON compared by
    value, forms without their CSRF token, which changes per session)."""
    if request.is_json:
        body = json.dumps(request.get_json(silent=True), sort_keys=True, default=str)
    elif request.form or request.files:
        # A multipart part whose name cannot be read comes back named None. Uploaded files
        # count by their content: the same key with another file is another request.
        parts = [(k or "", v) for k, v in request.form.items(multi=True)
                 if k not in _NOT_PART_OF_REQUEST]
        for name, upload in request.files.items(multi=True):
            parts.append((name or "", hashlib.sha256(upload.read()).hexdigest()))
            upload.seek(0)
        body = json.dumps(sorted(parts))
    else:
        body = request.get_data(as_text=True)
    text = "\n".join((request.method, request.path, request.query_string.decode(), body))
    return hashlib.sha256(text.encode()).hexdigest()


def _replay(record: IdempotencyRecord, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise ValidationError(
            t("this {header} was already used for a different request", header=HEADER),
            field=HEADER)
    response = current_app.response_class(record.body, status=record.status_code,
                                          content_type=record.content_type)
    if record.location:
        response.headers["Location"] = record.location
    response.headers["Idempotent-Replayed"] = "true"
    return response


def _find(key: str) -> IdempotencyRecord | None:
    return db.session.scalar(sa.select(IdempotencyRecord).where(
        IdempotencyRecord.user_id == current_user.id, IdempotencyRecord.key == key,
        IdempotencyRecord.status_code.is_not(None)))


def _error_flashed(since: int) -> bool:
    """Whether the view left an error message for the next page (messages before `since`
    were left by earlier requests)."""
    return any(category == "error" for category, _message in
               flask_session.get("_flashes", [])[since:])


def idempotent(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        key = request_key()
        if key is None:
            return view(*args, **kwargs)
        fingerprint = _fingerprint()
        existing = _find(key)
        if existing is not None:
            return _replay(existing, fingerprint)
        try:
            with command() as session:
                claimed = insert_ignoring_conflicts(
                    session, IdempotencyRecord, returning=IdempotencyRecord.id,
                    user_id=current_user.id, key=key, fingerprint=fingerprint)
                if claimed is None:  # another request with this key committed meanwhile
                    response = None
                else:
                    flashed = len(flask_session.get("_flashes", ()))
                    response = make_response(view(*args, **kwargs))
                    if response.status_code >= 400 or _error_flashed(since=flashed):
                        raise _Refused(response)
                    session.execute(
                        sa.update(IdempotencyRecord).where(IdempotencyRecord.id == claimed)
                        .values(status_code=response.status_code,
                                content_type=response.content_type,
                                body=response.get_data(),
                                location=response.headers.get("Location")))
        except _Refused as refused:
            return refused.response
        if response is None:
            return _replay(_find(key), fingerprint)
        return response

    return wrapper
