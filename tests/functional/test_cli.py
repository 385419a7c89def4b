"""The command-line contracts (docs/ARCHITECTURE.md, "Contracts")."""

from __future__ import annotations

import sqlalchemy as sa

from shopfloor.extensions import db
from shopfloor.models.users import User


def test_users_create_makes_a_user_with_the_role(app, runner, client):
    result = runner.invoke(args=["users", "create", "ana", "--role", "supervisor",
                                 "--password", "long enough pw"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "ana"))
        assert user.role == "supervisor"
        assert user.password_hash != "long enough pw" and user.check_password("long enough pw")
    response = client.post("/login", data={"username": "ana", "password": "long enough pw"})
    assert response.status_code == 302


def test_users_create_prompts_for_the_password(app, runner):
    result = runner.invoke(args=["users", "create", "ion", "--role", "operator"],
                           input="prompted password\nprompted password\n")
    assert result.exit_code == 0, result.output
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.username == "ion"))
        assert user.check_password("prompted password")


def test_users_create_refuses_a_duplicate_and_says_why(runner):
    args = ["users", "create", "ana", "--role", "operator", "--password", "long enough pw"]
    assert runner.invoke(args=args).exit_code == 0
    result = runner.invoke(args=args)
    assert result.exit_code == 1
    assert "already exists" in result.output


def test_users_create_refuses_an_unknown_role(runner):
    result = runner.invoke(args=["users", "create", "x", "--role", "boss", "--password", "p" * 9])
    assert result.exit_code != 0
    assert "boss" in result.output


def test_tokens_create_prints_a_token_that_reaches_the_api(runner, client):
    runner.invoke(args=["users", "create", "bot", "--role", "operator", "--password", "p" * 9])
    result = runner.invoke(args=["tokens", "create", "bot"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    response = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200 and response.get_json()["username"] == "bot"


def test_tokens_create_for_an_unknown_user_fails(runner):
    result = runner.invoke(args=["tokens", "create", "nobody"])
    assert result.exit_code == 1 and "No user named nobody" in result.output


def test_demo_loads_once_into_an_empty_database(runner):
    first = runner.invoke(args=["demo", "--if-empty"])
    second = runner.invoke(args=["demo", "--if-empty"])
    assert "demo data loaded" in first.output, first.output
    assert "not loaded" in second.output


def test_the_demo_workshop_obeys_every_invariant(app, runner):
    """The demo is made through the real commands: recipes, orders, picks, a shipment."""
    from shopfloor.models.production import ProductionOrder
    from shopfloor.models.shipping import Shipment

    runner.invoke(args=["demo"])
    with app.app_context():
        statuses = sorted(db.session.scalars(sa.select(ProductionOrder.status)))
        assert statuses == ["completed", "completed", "released"]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Shipment)) == 1
    result = runner.invoke(args=["check"])
    assert result.exit_code == 0, result.output
