"""`flask backup` makes a consistent copy while the app is writing; `flask restore`
brings it back exactly."""

from __future__ import annotations

import threading
from decimal import Decimal

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.stock import StockMove
from shopfloor.services import stock
from shopfloor.services.invariants import check_all
from tests.factories import balance, count_rows, make_item, make_location, receive, user


def test_a_backup_taken_during_writes_restores_to_a_consistent_database(
        app, runner, operator, tmp_path):
    source, target = make_location(app), make_location(app)
    code = receive(app, operator, make_item(app), source, quantity="1000")
    stop = threading.Event()

    def keep_moving():
        with app.app_context():
            who = user(app, operator)
            while not stop.is_set():
                stock.move_stock({"lot": code, "from": source, "to": target,
                                  "quantity": "1"}, who)
                stock.move_stock({"lot": code, "from": target, "to": source,
                                  "quantity": "1"}, who)
            db.session.remove()

    writer = threading.Thread(target=keep_moving)
    writer.start()
    try:
        result = runner.invoke(args=["backup", str(tmp_path / "shop.backup")])
    finally:
        stop.set()
        writer.join()
    assert result.exit_code == 0, result.output
    moves_at_end = count_rows(app, StockMove)

    # Change things after the backup, then restore: the changes are gone, the books balance.
    receive(app, operator, make_item(app), source, quantity="5")
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "shop.backup")])
    assert result.exit_code == 0, result.output
    with app.app_context():
        db.engine.dispose()
        assert check_all() == []
        restored_moves = db.session.scalar(sa.select(sa.func.count()).select_from(StockMove))
    assert 1 <= restored_moves <= moves_at_end
    assert balance(app, code, source) + balance(app, code, target) == Decimal(1000)


def test_backup_refuses_to_overwrite_a_file(runner, tmp_path):
    existing = tmp_path / "there.backup"
    existing.write_text("keep me")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code == 1 and "already exists" in result.output
    assert existing.read_text() == "keep me"


def test_restore_refuses_a_missing_file(runner, tmp_path):
    result = runner.invoke(args=["restore", "--yes", str(tmp_path / "nope")])
    assert result.exit_code == 1 and "does not exist" in result.output
