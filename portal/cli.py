"""Command-line interface: `flask --app portal <command>`; `register` adds every command.

The commands of a topic live in its package's `cli.py` (``COMMANDS``); the ones here set up
an instance as a whole.
"""

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from portal.api import cli as api_cli
from portal.audit import cli as audit_cli
from portal.auth import cli as auth_cli
from portal.auth.models import ROLES, count_users
from portal.auth.services import find_user
from portal.backup import cli as backup_cli
from portal.demo import seed_demo
from portal.extensions import db
from portal.notifications import cli as notifications_cli
from portal.orgs import cli as orgs_cli
from portal.resources import cli as resources_cli
from portal.saved import cli as saved_cli
from portal.search import cli as search_cli
from portal.search.maintenance import ensure_index


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema (applies migrations)."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load demo organisations and users (idempotent); prints new accounts' passwords."""
    accounts = seed_demo()
    db.session.commit()
    _echo_accounts(accounts)
    click.echo("Demo content is loaded.")


def _echo_accounts(accounts: list[tuple[str, str]]) -> None:
    """One line per new demo account: e-mail, one-time password, role and organisation."""
    for email, password in accounts:
        user = find_user(email)
        organisation = user.organisation.name if user.organisation else "-"
        click.echo(f"  {email:<36} {password}  {ROLES.get(user.role, user.role)}, {organisation}")


@click.command("bootstrap")
@with_appcontext
def bootstrap_command():
    """Prepare a fresh instance for `make run`: migrate, and seed demo data on first start."""
    upgrade()
    ensure_index(current_app.extensions["search_index"])
    if count_users() == 0 and current_app.config["SEED_DEMO_ON_FIRST_START"]:
        accounts = seed_demo()
        db.session.commit()
        click.echo("\nFirst start: demo content loaded. One-time passwords (shown only now):")
        _echo_accounts(accounts)
    click.echo(f"\nKOK-Wissensportal: {current_app.config['EXTERNAL_BASE_URL']}\n")


COMMANDS = (init_db_command, seed_demo_command, bootstrap_command)


def register(app: Flask) -> None:
    """Every command of the portal, one list per topic (each package's ``cli.COMMANDS``)."""
    for commands in (
        COMMANDS,
        auth_cli.COMMANDS,
        orgs_cli.COMMANDS,
        resources_cli.COMMANDS,
        search_cli.COMMANDS,
        saved_cli.COMMANDS,
        notifications_cli.COMMANDS,
        api_cli.COMMANDS,
        audit_cli.COMMANDS,
        backup_cli.COMMANDS,
    ):
        for command in commands:
            app.cli.add_command(command)
