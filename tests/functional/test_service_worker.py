"""The service worker keeps static files cache-first on the phones, so its cache version is
a digest of those files, written in when /sw.js is served: a deploy that changes any static
file changes the worker, and the phones fetch the new files instead of keeping the old."""

from __future__ import annotations

import os
import re
from pathlib import Path

from shopfloor.web.main.routes import static_version


def _version(client) -> str:
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response.headers["Service-Worker-Allowed"] == "/"
    assert response.headers["Cache-Control"] == "no-cache"
    found = re.findall(r'^const VERSION = "([^"]*)";$', response.get_data(as_text=True), re.M)
    assert len(found) == 1
    return found[0]


def test_the_worker_is_versioned_by_the_static_files_it_serves(app, client):
    version = _version(client)
    assert re.fullmatch(r"[0-9a-f]{16}", version)
    assert version == static_version(Path(app.static_folder), "any")
    assert _version(client) == version  # the same files, the same version


def test_any_change_to_a_static_file_changes_the_version(tmp_path):
    (tmp_path / "css").mkdir()
    style = tmp_path / "css" / "app.css"
    style.write_text("body { color: black; }")
    (tmp_path / "app.js").write_text("start();")
    before = static_version(tmp_path, 1)

    style.write_text("body { color: navy; }")
    edited = static_version(tmp_path, 2)
    (tmp_path / "app.js").rename(tmp_path / "main.js")
    renamed = static_version(tmp_path, 3)
    (tmp_path / "icon.svg").write_text("<svg/>")
    added = static_version(tmp_path, 4)

    assert len({before, edited, renamed, added}) == 4


def test_a_changed_file_is_noticed_by_a_running_server(app, client, tmp_path):
    """The digest is worked out once, and again only when a file is newer than before."""
    app.static_folder = str(tmp_path)
    (tmp_path / "js").mkdir()
    worker = Path(__file__).resolve().parents[2] / "static" / "js" / "sw.js"
    (tmp_path / "js" / "sw.js").write_text(worker.read_text())
    style = tmp_path / "app.css"
    style.write_text("a {}")
    first = _version(client)
    style.write_text("a { color: red; }")
    later = os.stat(style).st_mtime + 5
    os.utime(style, (later, later))
    assert _version(client) != first
