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


def insert_ignoring_conflicts(session, model, returning=None, **values):
    """INSERT … ON CONFLICT DO NOTHING, on whichever database this is. Used to create a row
    that concurrent commands may create too (a balance, a sequence), then lock it. With
    `returning`, gives that column of the new row, or None when the row already existed."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    statement = insert(model).values(**values).on_conflict_do_nothing()
    if returning is not None:
        return session.scalar(statement.returning(returning))
    session.execute(statement)
    return None


@contextmanager
def command():
    """One command, one transaction: everything inside commits together or not at all.

    A read-only transaction the request may already have (loading the signed-in user) is
    ended first, so that on SQLite the command starts with the write lock held and on
    PostgreSQL its row locks are taken in a transaction of its own.
    """
    session = db.session()  # the request's Session behind the scoped proxy
    if session.info.get("in_command"):
        # An outer command owns the transaction (an idempotent request records its key in
        # the same transaction as the effect): join it inside a savepoint, so a refusal here
        # undoes this command's partial work even if the caller goes on (to redraw a form).
        savepoint = session.begin_nested()
        try:
            yield session
        except BaseException:
            if savepoint.is_active:
                savepoint.rollback()
            raise
        if savepoint.is_active:
            savepoint.commit()
        return
    if session.in_transaction():
        session.rollback()
    session.connection(execution_options={"sqlite_begin": "IMMEDIATE"})
    session.info["in_command"] = True
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.info.pop("in_command", None)
