"""The business's data in and out through the API: CSV imports (dry run, apply), exports
as JSON pages or one ZIP of CSVs, and the accounting journal."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import bp
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t, translate
from shopfloor.http.downloads import journal_csv_response, zip_response
from shopfloor.http.errors import json_error
from shopfloor.http.idempotency import idempotent
from shopfloor.services import exports, fields, imports, journal


def uploaded_csv() -> bytes:
    """The CSV as the body (Content-Type text/csv) or as the `file` field of a form."""
    upload = request.files.get("file")
    if upload is not None:
        return upload.read()
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        raise ValidationError(t("send the CSV as the file field"), field="file")
    body = request.get_data()
    if not body:
        raise ValidationError(t("send the CSV as the request body (text/csv) or as the file "
                                "field of a form"), field="file")
    return body


def _translated(result: imports.ImportResult) -> dict:
    """The result with each problem in the reader's language."""
    problems = [{**problem.to_dict(), "message": translate(problem.message, _)}
                for problem in result.problems]
    return {**result.to_dict(), "problems": problems}


def _refused(result: imports.ImportResult):
    count = len({problem.row for problem in result.problems})
    message = ngettext("%(num)s row of the file has problems; nothing was imported",
                       "%(num)s rows of the file have problems; nothing was imported", count)
    return json_error(422, "invalid", message, None,
                      {"problems": _translated(result)["problems"]})


@bp.post("/imports/<kind>/dry-run")
@allow("supervisor")
@idempotent
def import_dry_run(kind):
    """Check every row and change nothing: 200 with the list of problems (empty when the
    file would apply cleanly)."""
    imports.get_kind(kind)
    return _translated(imports.run_import(kind, uploaded_csv(), current_user, apply=False))


@bp.post("/imports/<kind>")
@allow("supervisor")
@idempotent
def import_apply(kind):
    """All or nothing: 201 with what was created, or 422 with every row's problems and
    nothing changed."""
    imports.get_kind(kind)
    result = imports.run_import(kind, uploaded_csv(), current_user, apply=True)
    if not result.applied:
        return _refused(result)
    return result.to_dict(), 201


@bp.get("/export")
@allow("supervisor")
def export_index():
    return {"zip": url_for("api.export_zip"),
            "kinds": [{"kind": name, "url": url_for("api.export_kind", kind=name),
                       "columns": kind.header} for name, kind in exports.KINDS.items()]}


@bp.get("/export/<kind>")
@allow("supervisor")
def export_kind(kind):
    """One page of one kind: `?after=<next_after of the previous page>&limit=` (≤ 5000)."""
    found = exports.get_kind(kind)
    limit = fields.integer(request.args, "limit", minimum=1, maximum=exports.MAX_PAGE) or 500
    rows, next_after = exports.page(found, exports.parse_cursor(found, request.args.get("after")),
                                    limit)
    return {"kind": found.name, "rows": rows, "next_after": next_after,
            "next": url_for("api.export_kind", kind=found.name, after=next_after, limit=limit)
            if next_after else None}


@bp.get("/export.zip")
@allow("supervisor")
def export_zip():
    return zip_response()


@bp.get("/reports/journal")
@allow("supervisor")
def get_journal():
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD` (this month when absent); `&format=csv` for the
    file an accountant imports."""
    start, end = journal.parse_period(request.args)
    found = journal.build(start, end)
    if request.args.get("format") == "csv":
        return journal_csv_response(found)
    return journal.journal_json(found)


# --- the OpenAPI description of these routes ------------------------------------------------
# For shopfloor.api.openapi to merge: `**data.openapi_paths()` into its paths and
# `**data.openapi_schemas()` into its component schemas. Built with its helpers, so the
# shapes follow the same rules (closed response objects, refusals by reference).

def openapi_schemas() -> dict:
    from shopfloor.api.openapi import array, closed, enum, nullable, ref, text

    count = {"type": "integer", "minimum": 0}
    signed_money = text(pattern=r"^-?[0-9]+\.[0-9]{2,}$", examples=["-137.26"])
    return {
        "ImportProblem": closed(
            {"row": nullable({"type": "integer", "minimum": 1}), "field": nullable(text()),
             "message": text()},
            description="The row as a spreadsheet numbers it (the header is row 1; null: "
                        "the whole file) and the column at fault."),
        "ImportResult": closed({"kind": enum(imports.KINDS), "rows": count, "created": count,
                                "applied": {"type": "boolean"},
                                "problems": array(ref("ImportProblem"))}),
        "ExportIndex": closed({"zip": text(), "kinds": array(closed(
            {"kind": enum(exports.KINDS), "url": text(), "columns": array(text())}))}),
        "ExportPage": closed(
            {"kind": enum(exports.KINDS), "rows": array({"type": "object"}),
             "next_after": nullable(text()), "next": nullable(text())},
            description="Rows keyed by the kind's columns; follow `next` until it is null."),
        "JournalLine": closed({"account": text(), "debit": ref("Money"),
                               "credit": ref("Money"), "item": nullable(text()),
                               "lot": nullable(text()),
                               "quantity": nullable(ref("DecimalText"))}),
        "JournalEntry": closed({"entry": text(), "date": ref("Date"), "reference": text(),
                                "description": text(), "lines": array(ref("JournalLine"))}),
        "Journal": closed({
            "from": nullable(ref("Date")), "to": ref("Date"),
            "entries": array(ref("JournalEntry")),
            "accounts": array(closed({"account": text(), "debit": ref("Money"),
                                      "credit": ref("Money"), "net": signed_money}))}),
    }


def openapi_paths() -> dict:
    from shopfloor.api.openapi import (
        ERROR_RESPONSES,
        _path_parameter,
        _query,
        enum,
        operation,
        ref,
        text,
    )

    def refusal(status: int) -> dict:
        return {"$ref": f"#/components/responses/{ERROR_RESPONSES[status][0]}"}

    def upload(op: dict) -> dict:
        op["requestBody"] = {"required": True, "content": {
            "text/csv": {"schema": {"type": "string"}},
            "multipart/form-data": {"schema": {
                "type": "object", "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary"}}}}}}
        op.setdefault("parameters", []).append(
            {"$ref": "#/components/parameters/IdempotencyKey"})
        for status in (400, 413, 422):
            op["responses"][str(status)] = refusal(status)
        return op

    def also(op: dict, media: str, schema: dict) -> dict:
        ok = next(status for status in op["responses"] if status.startswith("2"))
        op["responses"][ok].setdefault("content", {})[media] = {"schema": schema}
        return op

    import_kind = {**_path_parameter("kind", "What the file holds."),
                   "schema": enum(imports.KINDS)}
    export_kind = {**_path_parameter("kind", "Which records."), "schema": enum(exports.KINDS)}
    binary = {"type": "string", "format": "binary"}
    period = (
        _query("from", text(format="date"), "First day (UTC); this month when absent."),
        _query("to", text(format="date"), "Last day (UTC); today when absent."),
        _query("format", enum(("json", "csv")), "csv: the file an accountant imports."))
    return {
        "/imports/{kind}/dry-run": {"parameters": [import_kind], "post": upload(operation(
            "import_dry_run", "Check a CSV: every row's problems, nothing changed",
            "supervisor", "Data", 200, ref("ImportResult"), errors="404"))},
        "/imports/{kind}": {"parameters": [import_kind], "post": upload(operation(
            "import_apply", "Import a CSV, all or nothing (422 lists every row's problems "
            "in error.details.problems)", "supervisor", "Data", 201, ref("ImportResult"),
            errors="404"))},
        "/export": {"get": operation(
            "export_index", "What can be exported, with the columns", "supervisor", "Data",
            200, ref("ExportIndex"))},
        "/export/{kind}": {"parameters": [export_kind], "get": operation(
            "export_kind", "One page of one kind of record", "supervisor", "Data", 200,
            ref("ExportPage"), errors="404 422", query=(
                _query("after", text(pattern=r"^[0-9]+(-[0-9]+)*$"),
                       "next_after of the previous page."),
                _query("limit", {"type": "integer", "minimum": 1,
                                 "maximum": exports.MAX_PAGE, "default": 500},
                       "Rows per page.")))},
        "/export.zip": {"get": also(operation(
            "export_zip", "Everything, as a ZIP of CSV files", "supervisor", "Data", 200,
            None), "application/zip", binary)},
        "/reports/journal": {"get": also(operation(
            "get_journal", "The inventory journal: balanced entries valued at lot cost",
            "supervisor", "Data", 200, ref("Journal"), errors="422", query=period),
            "text/csv", {"type": "string"})},
    }
