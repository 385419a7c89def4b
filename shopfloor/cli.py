"""Command-line tools (docs/ARCHITECTURE.md, "Contracts"): users, tokens, demo data."""

from __future__ import annotations

import sys
from pathlib import Path

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
@click.option("--trace-sample", type=click.IntRange(min=0), default=2000, show_default=True,
              help="Produced lots whose backward and forward traces are compared.")
def check_command(trace_sample):
    """Prove the ledger and genealogy invariants; exit 1 listing what is broken."""
    from shopfloor.services.invariants import CHECKS, check_all, reservation_warnings

    violations = check_all(trace_sample)
    for warning in reservation_warnings():
        click.echo(f"  warning [{warning.rule}] {warning.detail}: re-plan these orders")
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


@click.command("synth")
@with_appcontext
@click.option("--lots", "lots", type=click.IntRange(min=200), required=True,
              help="How many lots the history holds; everything else scales from it.")
@click.option("--seed", type=int, default=1, show_default=True)
@click.option("--end", "end", type=click.DateTime(formats=["%Y-%m-%d"]), default=None,
              help="The day after the history ends (default today): with the seed, the "
                   "same database every time.")
@click.option("--ready-orders", type=click.IntRange(min=1), default=None,
              help="Orders of 20 and of 200 components left ready to complete.")
@click.option("--manifest", type=click.Path(dir_okay=False), default=None,
              help="Write the sizes, counts and hot spots here as JSON.")
def synth_command(lots, seed, end, ready_orders, manifest):
    """Fill an EMPTY database with a synthetic decade of history, for benchmarks."""
    import json

    try:  # benchmark code, beside the benchmark in a checkout (bench/synth.py)
        from bench.synth import synthesize
    except ImportError:
        raise click.ClickException("synth is part of the benchmark: run it from a checkout "
                                   "of the repository (it needs bench/synth.py)") from None
    try:
        summary = synthesize(lots, seed=seed, end=end.date() if end else None,
                             ready_orders=ready_orders, progress=click.echo)
    except DomainError as error:
        _fail(error)
    counts = ", ".join(f"{count} {name}" for name, count in sorted(summary.counts.items()))
    click.echo(f"synth: {counts} in {summary.seconds:.0f} s")
    if manifest:
        with open(manifest, "w") as out:
            json.dump({"lots": lots, "seed": seed, "end": summary.end.isoformat(),
                       "seconds": round(summary.seconds, 1), "counts": summary.counts,
                       "hot_spots": summary.hot_spots}, out, indent=2)


@click.command("serve")
@with_appcontext
@click.option("--port", type=int, envvar="PORT", default=5000, show_default=True,
              help="Plain HTTP port ($PORT).")
@click.option("--https-port", type=int, envvar="HTTPS_PORT", default=5443, show_default=True,
              help="HTTPS port ($HTTPS_PORT); SHOPFLOOR_TLS=off serves no HTTPS.")
@click.option("--workers", type=int, envvar="WORKERS", default=2, show_default=True,
              help="gunicorn workers per server ($WORKERS).")
def serve_command(port, https_port, workers):
    """Serve HTTP and HTTPS (local certificate authority) for phones on this network."""
    import os

    from flask import current_app

    from shopfloor.services.demo import DEMO_PASSWORD, demo_sign_ins
    from shopfloor.serving import launcher, network, tls

    tls_enabled = current_app.config["SHOPFLOOR_TLS"]
    serve_plan = launcher.plan(current_app.instance_path, port, https_port, tls_enabled)
    sign_ins = [f"{name} / {DEMO_PASSWORD}  ({role})" for name, role in demo_sign_ins()]
    click.echo(launcher.banner(serve_plan, sign_ins, port, https_port), nl=False)
    # The servers' workers build the /phone page's address from the same port.
    os.environ["HTTPS_PORT"] = str(https_port)
    commands = [launcher.gunicorn_command(serve_plan.http_bind, workers)]
    if serve_plan.tls_files is not None:
        commands.append(launcher.gunicorn_command(serve_plan.https_bind, workers,
                                                  serve_plan.tls_files))

    def renew():
        renewed = tls.ensure_certificates(launcher.tls_directory(current_app.instance_path),
                                          network.machine_identity())
        if renewed.made_authority:
            click.echo("shopfloor: this machine's names or addresses changed: a new "
                       "certificate authority was made; trust it again on each phone (/phone)",
                       err=True)

    root = Path(current_app.root_path).parent
    sys.exit(launcher.supervise(commands, cwd=root, recheck=renew if tls_enabled else None))


def register(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
    app.cli.add_command(check_command)
    app.cli.add_command(users_cli)
    app.cli.add_command(tokens_cli)
    app.cli.add_command(demo_command)
    app.cli.add_command(synth_command)
    app.cli.add_command(serve_command)
