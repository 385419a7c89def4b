"""Database engine behaviour that the rules depend on.

SQLite: WAL so readers never block the writer, foreign keys on, a busy timeout so a second
writer waits instead of failing, and write transactions that take the write lock at BEGIN
(`BEGIN IMMEDIATE`). Without that, two requests that both read and then write deadlock on
the lock upgrade and one gets "database is locked" at once, whatever the timeout.
"""

from __future__ import annotations

from contextlib import contextmanager

from sqlalchemy import event

from shopfloor.extensions import db

BUSY_TIMEOUT_MS = 30_000


def configure_engine(engine) -> None:
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # The driver must not open transactions on its own: we issue BEGIN ourselves below.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")


def is_sqlite() -> bool:
    return db.engine.dialect.name == "sqlite"


@contextmanager
def command():
    """One command, one transaction: everything inside commits together or not at all.

    A read-only transaction the request may already have (loading the signed-in user) is
    ended first, so that on SQLite the command starts with the write lock held and on
    PostgreSQL its row locks are taken in a transaction of its own.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
