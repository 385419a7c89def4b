"""`GET /api/v1/openapi.json`: the JSON API described as OpenAPI 3.1, generated
(docs/ARCHITECTURE.md, "Contracts").

Nothing here lists the paths: each API view declares itself with `@operation(...)` (its
summary, the shape of its body and its answer, its query parameters, its refusals), and
the document is built from the app's routes and those declarations. The schemas come from
the pydantic models of `shopfloor.api.shapes`, the same models that read every request
body, so the document cannot say one thing while the server does another. The role of
each operation and whether it honours an Idempotency-Key come from the view itself.

tests/functional/test_openapi.py checks that every API route is described with its role
and that real answers match their schemas; tests/functional/test_api_fuzz.py sends
generated and hostile requests to every operation and refuses any server error or any
answer the document does not allow.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, get_args, get_origin

from flask import current_app, request
from pydantic import BaseModel, TypeAdapter
from pydantic import ValidationError as ShapeError
from pydantic.json_schema import models_json_schema

from shopfloor.access import PUBLIC, public, required_role
from shopfloor.api import shapes
from shopfloor.api import types as T
from shopfloor.api.blueprint import bp, payload
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t
from shopfloor.http.idempotency import HEADER as IDEMPOTENCY_HEADER
from shopfloor.http.idempotency import MAX_KEY_LENGTH, idempotent

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"
MEDIA_TYPE = "application/json"
REF = "#/components/schemas/{model}"

# status -> (component name, description)
ERROR_RESPONSES = {
    400: ("BadRequest", "The request could not be read (or, with a session cookie, its CSRF "
                        "token is missing)."),
    401: ("Unauthorized", "No valid token."),
    403: ("Forbidden", "The token's role may not do this."),
    404: ("NotFound", "A code, SKU or number in the request does not exist."),
    409: ("Conflict", "The current state forbids it: already exists, not enough stock, wrong "
                      "status."),
    413: ("TooLarge", "The body is larger than the server accepts."),
    422: ("Invalid", "A field is missing, unknown or wrong; `error.field` names it."),
    502: ("PrinterUnreachable", "The printer did not take the label; `error.message` says "
                                "why."),
}

# What a path parameter is, unless an operation says otherwise.
PATH_PARAMETERS = {
    "sku": "The item's SKU.",
    "code": "The lot's code.",
    "number": "The production order's number (MO-000001).",
    "key": "The id or exact name.",
    "kind": "Which kind.",
}


_ADAPTERS: dict[int, TypeAdapter] = {}  # built once per type: a request only validates


@dataclass(frozen=True)
class Query:
    """A query parameter: its type (from `shopfloor.api.types`) both checks what is sent
    and describes it."""

    name: str
    kind: Any
    description: str
    required: bool = False
    many: bool = False
    default: Any = None

    @property
    def adapter(self) -> TypeAdapter:
        found = _ADAPTERS.get(id(self.kind))
        if found is None:
            found = _ADAPTERS[id(self.kind)] = TypeAdapter(self.kind)
        return found

    def schema(self) -> dict:
        schema = self.adapter.json_schema()
        if self.default is not None:
            schema = {**schema, "default": self.default}
        if self.many:
            schema = {"type": "array", "items": schema, "minItems": 1}
        return schema

    def check(self, args) -> None:
        values = args.getlist(self.name) if self.many else [args.get(self.name)]
        for value in values:
            if value is None:
                continue
            try:
                self.adapter.validate_python(value)
            except ShapeError as refused:
                problem = refused.errors(include_url=False)[0]
                raise ValidationError(T.message(problem["type"], self.name,
                                                problem.get("ctx") or {}),
                                      field=self.name) from None


@dataclass(frozen=True)
class Operation:
    summary: str
    tag: str
    ok: int
    answer: Any
    body: type[BaseModel] | None
    errors: frozenset[int]
    query: tuple[Query, ...]
    path: dict[str, dict]
    also: dict = field(default_factory=dict)
    upload: bool = False


def operation(summary: str, tag: str, *, ok: int = 200, answer: Any = None,
              body: type[BaseModel] | None = None, errors: str = "", query: tuple = (),
              path: dict | None = None, also: dict | None = None, upload: bool = False):
    """Declare an API view: its summary and tag, the status and shape of its answer
    (`answer`: a model, `list[model]`, or a schema), its other refusals (`errors`, e.g.
    "404 409"), its query parameters and path parameters (`path`: name -> description or
    schema). With `body`, the request body is read through that shape before the view
    runs (a field it does not declare is refused, naming it). `also` adds other media types
    of the answer; `upload` takes a CSV file instead of JSON."""
    declared = Operation(summary, tag, ok, answer, body,
                         frozenset(int(code) for code in errors.split()), tuple(query),
                         path or {}, also or {}, upload)

    def mark(view):
        @wraps(view)
        def checked(*args, **kwargs):
            for parameter in declared.query:
                parameter.check(request.args)
            if declared.body is not None:
                shapes.read(declared.body, payload())
            elif not declared.upload and request.method in ("POST", "PATCH", "PUT"):
                _refuse_any_body()
            return view(*args, **kwargs)

        checked.openapi = declared
        return checked

    return mark


def _refuse_any_body() -> None:
    """A command that takes no body refuses one with fields: they would be ignored."""
    if request.is_json:
        body = request.get_json(silent=True)
        if isinstance(body, dict) and body:
            name = next(iter(body))
            raise ValidationError(T.message("extra_forbidden", name, {}), field=name)
    elif request.form:
        extra = [name for name in request.form if name not in shapes.FORM_ONLY_FIELDS]
        if extra:
            raise ValidationError(T.message("extra_forbidden", extra[0], {}), field=extra[0])


@bp.get("/openapi.json")
@public
@operation("This description of the API", "Meta", answer={"type": "object"})
def openapi():
    return document()


def document() -> dict:
    """The whole description, built once per app."""
    found = current_app.extensions.get("shopfloor.openapi")
    if found is None:
        found = current_app.extensions["shopfloor.openapi"] = _build()
    return found


DESCRIPTION = """\
The JSON API of Shopfloor: inventory, production and traceability for small batch
manufacturers.

* Authentication: `Authorization: Bearer <token>`.
* Quantities and money are decimal strings (`"12.500"`), never floats; in requests a JSON
  number is read exactly, as a decimal, and a string takes a decimal point only (no
  thousands separators). Dates are ISO 8601 (`2026-12-31`).
* Quantities may be sent in any unit compatible with the item's (`unit`), converted exactly.
* Items, lots, locations and orders are named by their business codes, not ids.
* Every request body takes exactly the fields described: any other is refused (422).
* Every state-changing request may carry an `Idempotency-Key`: a repeated key returns the
  first answer and changes nothing.
* Every refusal is `{"error": {"code", "message", "field"}}` (with `details` when there is
  more to say) and changes nothing.
"""

TAGS = ("Master data", "Stock", "Scanning", "Production", "Sales", "Shipping", "Traceability",
        "Purchasing", "Reports", "Data", "Settings", "Meta")


def _build() -> dict:
    operations = _declared_operations()
    models = {shapes.Error}
    for _rule, _method, _endpoint, declared in operations:
        models.update(_models_in(declared.answer))
        if declared.body is not None:
            models.add(declared.body)
    _, found = models_json_schema([(model, "validation") for model in
                                   sorted(models, key=lambda m: m.__name__)],
                                  ref_template=REF)
    schemas = {name: _tidy(schema) for name, schema in sorted(found["$defs"].items())}
    paths: dict = {}
    for rule, method, endpoint, declared in operations:
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule.removeprefix(bp.url_prefix))
        paths.setdefault(path, {})[method] = _operation(rule, endpoint, declared)
    return {
        "openapi": OPENAPI_VERSION,
        "info": {"title": "Shopfloor API", "version": API_VERSION, "description": DESCRIPTION},
        "servers": [{"url": bp.url_prefix}],
        "security": [{"bearer": []}],
        "tags": [{"name": name} for name in TAGS],
        "paths": dict(sorted(paths.items())),
        "components": _components(schemas),
    }


def _declared_operations():
    """(rule, method, endpoint, declaration) for every API route; a route without a
    declaration is a mistake caught here, at the first request for the document."""
    found = []
    for rule in current_app.url_map.iter_rules():
        if not rule.endpoint.startswith(bp.name + "."):
            continue
        view = current_app.view_functions[rule.endpoint]
        declared = getattr(view, "openapi", None)
        if declared is None:
            raise RuntimeError(f"{rule.endpoint} is not declared with @operation")
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method.lower(), rule.endpoint, declared))
    return found


def _models_in(answer) -> set:
    if isinstance(answer, type) and issubclass(answer, BaseModel):
        return {answer}
    if get_origin(answer) is list:
        return _models_in(get_args(answer)[0])
    return set()


def _schema_of(answer) -> dict:
    if isinstance(answer, type) and issubclass(answer, BaseModel):
        return {"$ref": REF.format(model=answer.__name__)}
    if get_origin(answer) is list:
        return {"type": "array", "items": _schema_of(get_args(answer)[0])}
    return answer


def _tidy(schema):
    """Pydantic's titles and null defaults say nothing a reader needs."""
    if isinstance(schema, dict):
        return {key: _tidy(value) for key, value in schema.items()
                if not (key == "title" and isinstance(value, str))
                and not (key == "default" and value is None)}
    if isinstance(schema, list):
        return [_tidy(value) for value in schema]
    return schema


def _refusal(status: int) -> dict:
    return {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}


_HONOURS_KEY = idempotent(lambda: None).__code__


def _operation(rule, endpoint: str, declared: Operation) -> dict:
    """One operation. 401 and 403 follow from the role; 400, 413 and 422 from taking a
    body or an Idempotency-Key; 404 from a path parameter; 422 from a query parameter."""
    view = current_app.view_functions[endpoint]
    role = required_role(endpoint)
    statuses = set(declared.errors)
    op: dict = {"operationId": endpoint.removeprefix(bp.name + "."),
                "summary": declared.summary, "tags": [declared.tag], "x-shopfloor-role": role}
    parameters = [_path_parameter(name, declared.path.get(name)) for name in rule.arguments]
    if rule.arguments:
        statuses.add(404)
    for query in declared.query:
        parameters.append({"name": query.name, "in": "query", "required": query.required,
                           "schema": query.schema(), "description": query.description,
                           **({"style": "form", "explode": True} if query.many else {})})
        statuses.add(422)
    if declared.body is not None:
        op["requestBody"] = {"required": True, "content": {
            MEDIA_TYPE: {"schema": {"$ref": REF.format(model=declared.body.__name__)}}}}
    elif declared.upload:
        op["requestBody"] = {"required": True, "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}}}}
    if "requestBody" in op:
        statuses |= {400, 413, 422}
    if view.__code__ is _HONOURS_KEY:
        statuses |= {400, 413, 422}
        parameters.append({"$ref": "#/components/parameters/IdempotencyKey"})
    if role == PUBLIC:
        op["security"] = []
    else:
        statuses.add(401)
        if role != "operator":
            statuses.add(403)
    if parameters:
        op["parameters"] = parameters
    ok: dict = {"description": declared.summary}
    content = {}
    if declared.answer is not None:
        content[MEDIA_TYPE] = {"schema": _schema_of(declared.answer)}
    content.update({media: {"schema": schema} for media, schema in declared.also.items()})
    if content:
        ok["content"] = content
    op["responses"] = {str(declared.ok): ok,
                       **{str(status): _refusal(status) for status in sorted(statuses)}}
    return op


def _path_parameter(name: str, given) -> dict:
    schema: dict = {"type": "string", "maxLength": 200, "minLength": 1}
    description = PATH_PARAMETERS.get(name, name)
    if isinstance(given, str):
        description = given
    elif isinstance(given, dict):
        description = given.get("description", description)
        schema = given.get("schema", schema)
    return {"name": name, "in": "path", "required": True, "schema": schema,
            "description": description}


def _components(schemas: dict) -> dict:
    error = {MEDIA_TYPE: {"schema": {"$ref": REF.format(model="Error")}}}
    return {
        "schemas": schemas,
        "responses": {name: {"description": description, "content": error}
                      for name, description in ERROR_RESPONSES.values()},
        "parameters": {
            "IdempotencyKey": {
                "name": IDEMPOTENCY_HEADER, "in": "header", "required": False,
                "schema": {"type": "string", "maxLength": MAX_KEY_LENGTH},
                "description": ("A repeated key returns the first answer and changes nothing; "
                                "the same key with a different request is refused (422)."),
            },
        },
        "securitySchemes": {
            "bearer": {"type": "http", "scheme": "bearer", "description": (
                "`flask --app shopfloor tokens create NAME` prints a token. The app's own "
                "pages may call the API with their session cookie instead, sending the CSRF "
                "token in the X-CSRFToken header on writes.")},
        },
    }


__all__ = ["ERROR_RESPONSES", "Query", "document", "operation", "t"]
