"""Command-line tools (DESIGN.md §6): users, tokens, demo data."""

from __future__ import annotations

import sys

import click
from flask.cli import AppGroup, with_appcontext

from shopfloor.domain.errors import DomainError

users_cli = AppGroup("users", help="Manage people who sign in.")
tokens_cli = AppGroup("tokens", help="Manage API tokens.")


def _fail(error: DomainError):
    click.echo(f"error: {error.message}", err=True)
    sys.exit(1)


@users_cli.command("create")
@click.argument("name")
@click.option("--role", type=click.Choice(["operator", "supervisor", "admin"]), required=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True,
              help="Asked for when not given.")
@click.option("--locale", type=click.Choice(["en", "ro"]), default=None)
def create_user_command(name, role, password, locale):
    """Create a user who signs in with NAME."""
    from shopfloor.services.auth import create_user

    try:
        create_user(name, password, role, locale)
    except DomainError as error:
        _fail(error)
    click.echo(f"created {role} {name}")


@tokens_cli.command("create")
@click.argument("name")
@click.option("--label", default="api", help="What the token is for.")
def create_token_command(name, label):
    """Print a new API token that acts as user NAME."""
    from shopfloor.services.auth import create_token

    try:
        click.echo(create_token(name, label))
    except DomainError as error:
        _fail(error)


@click.command("demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
def demo_command(if_empty):
    """Load a demo candle and cosmetics workshop."""
    from shopfloor.services.demo import load_demo

    loaded = load_demo(only_if_empty=if_empty)
    click.echo("demo data loaded" if loaded else "database not empty: demo data not loaded")


@click.command("check")
@with_appcontext
def check_command():
    """Prove the ledger and genealogy invariants; exit 1 listing what is broken."""
    from shopfloor.services.invariants import CHECKS, check_all

    violations = check_all()
    if violations:
        click.echo(f"{len(violations)} problem(s) found:")
        for violation in violations:
            click.echo(f"  [{violation.rule}] {violation.detail}")
        sys.exit(1)
    click.echo(f"ok: {len(CHECKS)} invariants hold")


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False))
@with_appcontext
def backup_command(path):
    """Write a consistent copy of the database to PATH while the app keeps running
    (SQLite's online backup; pg_dump's custom format on PostgreSQL)."""
    from flask import current_app

    from shopfloor.services.backup import backup

    try:
        written = backup(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except DomainError as error:
        _fail(error)
    click.echo(f"backup written to {written}")


@click.command("restore")
@click.argument("path", type=click.Path(dir_okay=False))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore_command(path, yes):
    """Replace the database with the backup at PATH. Stop the app servers first."""
    from flask import current_app

    from shopfloor.extensions import db
    from shopfloor.services.backup import restore

    if not yes:
        click.confirm("This replaces everything in the database. Continue?", abort=True)
    db.engine.dispose()
    try:
        restore(current_app.config["SQLALCHEMY_DATABASE_URI"], path)
    except DomainError as error:
        _fail(error)
    click.echo(f"restored from {path}")


def register(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_command)
