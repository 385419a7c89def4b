"""Files the pages and the API both send: the ZIP of every export and the accounting
journal as CSV."""

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
