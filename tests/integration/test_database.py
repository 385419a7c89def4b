"""The engine settings the rules rely on."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa

from shopfloor.database import command
from shopfloor.extensions import db
from shopfloor.models.users import LoginAttempt
from tests.conftest import ON_POSTGRES


def test_connections_are_set_up_for_safe_concurrent_writes(app):
    with app.app_context():
        if ON_POSTGRES:
            # Row locks (SELECT … FOR UPDATE) carry concurrency on PostgreSQL.
            level = db.session.execute(sa.text("SHOW default_transaction_isolation")).scalar()
            assert level == "read committed"
            return
        # SQLite: readers never block the writer, FKs hold, a second writer waits.
        assert db.session.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"
        assert db.session.execute(sa.text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() >= 5000


def test_a_command_commits_everything_or_nothing(app):
    with app.app_context():
        with pytest.raises(RuntimeError):
            with command() as session:
                session.add(LoginAttempt(username="a", address="x"))
                session.flush()
                raise RuntimeError("half way")
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 0
        with command() as session:
            session.add(LoginAttempt(username="a", address="x"))
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 1


def test_concurrent_read_then_write_commands_wait_rather_than_fail(app):
    """Each writer reads, pauses while holding its transaction, then writes. With deferred
    transactions on SQLite one of them would fail with "database is locked"; with the write
    lock taken at BEGIN they queue."""
    errors: list[BaseException] = []
    barrier = threading.Barrier(4)

    def writer(n):
        try:
            with app.app_context():
                db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt))
                barrier.wait(timeout=10)
                with command() as session:
                    count = session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt))
                    session.add(LoginAttempt(username=f"u{n}-{count}", address="x"))
                db.session.remove()
        except BaseException as error:  # reported below
            errors.append(error)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginAttempt)) == 4
