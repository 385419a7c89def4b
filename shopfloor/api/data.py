"""The business's data in and out through the API: CSV imports (dry run, apply), exports
as JSON pages or one ZIP of CSVs, and the accounting journal."""

from __future__ import annotations

from flask import request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user

from shopfloor.access import allow
from shopfloor.api import shapes as S
from shopfloor.api import types as T
from shopfloor.api.blueprint import bp
from shopfloor.api.openapi import Query, operation
from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t, translate
from shopfloor.http.downloads import journal_csv_response, zip_response
from shopfloor.http.errors import json_error
from shopfloor.http.idempotency import idempotent
from shopfloor.services import exports, fields, imports, journal

IMPORT_KIND = {"kind": {"description": "What the file holds.",
                        "schema": {"type": "string", "enum": list(imports.KINDS)}}}


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
@operation("Check a CSV: every row's problems, nothing changed", "Data",
           answer=S.ImportResult, errors="404", upload=True, path=IMPORT_KIND)
def import_dry_run(kind):
    """Check every row and change nothing: 200 with the list of problems (empty when the
    file would apply cleanly)."""
    imports.get_kind(kind)
    return _translated(imports.run_import(kind, uploaded_csv(), current_user, apply=False))


@bp.post("/imports/<kind>")
@allow("supervisor")
@idempotent
@operation("Import a CSV, all or nothing (422 lists every row's problems in "
           "error.details.problems)", "Data", ok=201, answer=S.ImportResult, errors="404",
           upload=True, path=IMPORT_KIND)
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
@operation("What can be exported, with the columns", "Data", answer=S.ExportIndex)
def export_index():
    return {"zip": url_for("api.export_zip"),
            "kinds": [{"kind": name, "url": url_for("api.export_kind", kind=name),
                       "columns": kind.header} for name, kind in exports.KINDS.items()]}


@bp.get("/export/<kind>")
@allow("supervisor")
@operation("One page of one kind of record", "Data", answer=S.ExportPage, errors="404",
           path={"kind": {"description": "Which records.",
                          "schema": {"type": "string", "enum": list(exports.KINDS)}}},
           query=(Query("after", T.text(200, pattern=r"^[0-9]+(-[0-9]+)*$"),
                        "next_after of the previous page."),
                  Query("limit", T.whole(1, exports.MAX_PAGE), "Rows per page.",
                        default=500)))
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
@operation("Everything, as a ZIP of CSV files", "Data",
           also={"application/zip": {"type": "string", "format": "binary"}})
def export_zip():
    return zip_response()


@bp.get("/reports/journal")
@allow("supervisor")
@operation("The inventory journal: balanced entries valued at lot cost", "Data",
           answer=S.Journal, also={"text/csv": {"type": "string"}}, query=(
               Query("from", T.DateInput, "First day (UTC); this month when absent."),
               Query("to", T.DateInput, "Last day (UTC); today when absent."),
               Query("format", T.choice(("json", "csv")),
                     "csv: the file an accountant imports.")))
def get_journal():
    """`?from=YYYY-MM-DD&to=YYYY-MM-DD` (this month when absent); `&format=csv` for the
    file an accountant imports."""
    start, end = journal.parse_period(request.args)
    found = journal.build(start, end)
    if request.args.get("format") == "csv":
        return journal_csv_response(found)
    return journal.journal_json(found)
