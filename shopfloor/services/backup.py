"""Backups that are consistent while the app runs.

SQLite: the online backup API copies a consistent snapshot page by page while other
connections keep reading and writing (WAL). PostgreSQL: `pg_dump` takes a consistent
snapshot in one transaction; restore is `pg_restore --clean`.
"""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import make_url

from shopfloor.domain.errors import ValidationError
from shopfloor.domain.messages import t


def _sqlite_path(url) -> Path:
    return Path(url.database).resolve()


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as pg_dump understands it (no +psycopg driver)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def backup(database_url: str, target: str | Path) -> Path:
    target = Path(target)
    if target.exists():
        raise ValidationError(t("{target} already exists; choose a new file", target=target),
                              field="path")
    target.parent.mkdir(parents=True, exist_ok=True)
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        source = sqlite3.connect(_sqlite_path(url))
        copy = sqlite3.connect(target)
        try:
            with copy:
                source.backup(copy, pages=1024)  # in steps, so writers are not held up
        finally:
            copy.close()
            source.close()
        return target
    if shutil.which("pg_dump") is None:
        raise ValidationError(t("pg_dump is not installed; install the PostgreSQL client"),
                              field="path")
    subprocess.run(["pg_dump", "--format=custom", "--no-owner", "--file", str(target),
                    _libpq_url(url)], check=True, capture_output=True)
    return target


def restore(database_url: str, source: str | Path) -> None:
    """Replace the database with a backup. Stop the app servers first: a restore is not
    something to do under their feet."""
    source = Path(source)
    if not source.exists():
        raise ValidationError(t("{source} does not exist", source=source), field="path")
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        backup_db = sqlite3.connect(source)
        live = sqlite3.connect(_sqlite_path(url))
        try:
            check = backup_db.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise ValidationError(t("{source} is damaged: {check}", source=source, check=check),
                                      field="path")
            with live:
                backup_db.backup(live)
        finally:
            live.close()
            backup_db.close()
        return
    if shutil.which("pg_restore") is None:
        raise ValidationError(t("pg_restore is not installed; install the PostgreSQL client"),
                              field="path")
    subprocess.run(["pg_restore", "--clean", "--if-exists", "--no-owner", "--single-transaction",
                    "--dbname", _libpq_url(url), str(source)], check=True, capture_output=True)
