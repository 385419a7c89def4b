"""Files the pages and the API send: CSV reports, the ZIP of every export and the
accounting journal as CSV."""

from __future__ import annotations

import csv
import io

from flask import Response, stream_with_context

from shopfloor.services import exports, journal


def zip_response() -> Response:
    exports.begin_snapshot()
    return Response(stream_with_context(exports.zip_chunks()), mimetype="application/zip",
                    headers={"Content-Disposition":
                             f'attachment; filename="{exports.zip_filename()}"'})


def journal_csv_response(found: journal.Journal) -> Response:
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(journal.CSV_HEADER)
    writer.writerows(journal.csv_rows(found))
    start = found.start.isoformat() if found.start else "start"
    return Response(buffer.getvalue().encode(), mimetype="text/csv",
                    headers={"Content-Disposition": 'attachment; filename="journal-'
                             f'{start}-{found.end.isoformat()}.csv"'})


def csv_download(filename: str, header: list[str], rows) -> Response:
    """Send a CSV. `rows` is a list, or a function returning an iterable: that one runs
    while the response streams, so a large history is never held in memory (and its
    query runs in the session alive during streaming, not the request's, already closed)."""
    def generate():
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(header)
        for row in rows() if callable(rows) else rows:
            writer.writerow(row)
            if buffer.tell() > 64 * 1024:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(stream_with_context(generate()), mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})
