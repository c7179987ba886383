"""Command-line interface: `flask --app portal <command>`."""

import sys

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from flask_migrate import upgrade

from portal.audit import record
from portal.audit.services import SYSTEM
from portal.auth import services as auth_services
from portal.auth.models import ROLES, count_users
from portal.auth.sessions import end_all_sessions, prune_expired
from portal.extensions import db
from portal.orgs.models import FEDERAL_STATES, ORG_KINDS
from portal.orgs.services import OrganisationError, find_organisation, save_organisation
from portal.resources.cli import COMMANDS as resource_commands


def fail(message: str) -> None:
    """One line on standard error and exit code 1."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("init-db")
@with_appcontext
def init_db_command():
    """Create or upgrade the database schema (applies migrations)."""
    upgrade()
    click.echo("Database is up to date.")


@click.command("create-org")
@click.argument("slug")
@click.option("--name", required=True)
@click.option("--kind", type=click.Choice(list(ORG_KINDS)), default="member", show_default=True)
@click.option("--short-name", default="")
@click.option("--city", default="")
@click.option("--state", "federal_state", type=click.Choice(list(FEDERAL_STATES)), default=None)
@with_appcontext
def create_org_command(slug, name, kind, short_name, city, federal_state):
    """Create an organisation."""
    try:
        save_organisation(
            None,
            slug=slug,
            name=name,
            kind=kind,
            short_name=short_name,
            city=city,
            federal_state=federal_state,
        )
    except OrganisationError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created organisation {slug}.")


@click.command("create-user")
@click.argument("email")
@click.option("--name", required=True)
@click.option("--org", "org_slug", required=True, help="Slug of the organisation.")
@click.option("--role", type=click.Choice(list(ROLES)), default="member", show_default=True)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@with_appcontext
def create_user_command(email, name, org_slug, role, password_stdin):
    """Create a user account."""
    organisation = find_organisation(org_slug)
    if organisation is None:
        fail(f"no organisation with slug {org_slug!r}")
    if password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    try:
        auth_services.create_user(email, name, organisation, role, password)
    except auth_services.AuthError as exc:
        fail(str(exc))
    db.session.commit()
    click.echo(f"Created user {email.strip().lower()} ({role}).")


@click.command("seed-demo")
@with_appcontext
def seed_demo_command():
    """Load demo organisations and users (idempotent); prints new accounts' passwords."""
    from portal.demo import seed_demo

    for email, password in seed_demo():
        click.echo(f"  {email}  {password}")
    db.session.commit()
    click.echo("Demo content is loaded.")


@click.command("bootstrap")
@with_appcontext
def bootstrap_command():
    """Prepare a fresh instance for `make run`: migrate, and seed demo data on first start."""
    from portal.demo import seed_demo
    from portal.search.maintenance import ensure_index

    upgrade()
    ensure_index(current_app.extensions["search_index"])
    if count_users() == 0 and current_app.config["SEED_DEMO_ON_FIRST_START"]:
        accounts = seed_demo()
        db.session.commit()
        click.echo("\nFirst start: demo content loaded. One-time passwords (shown only now):")
        for email, password in accounts:
            click.echo(f"  {email:<36} {password}")
    click.echo(f"\nKOK-Wissensportal: {current_app.config['EXTERNAL_BASE_URL']}\n")


@click.command("prune-sessions")
@with_appcontext
def prune_sessions_command():
    """Delete expired sessions."""
    count = prune_expired()
    db.session.commit()
    click.echo(f"Deleted {count} expired sessions.")


@click.command("end-sessions")
@with_appcontext
def end_sessions_command():
    """End every session: everybody has to log in again (audited)."""
    count = end_all_sessions()
    record("sessions.all_ended", actor=SYSTEM, details={"count": count})
    db.session.commit()
    click.echo(f"Ended {count} sessions.")


def register(app: Flask) -> None:
    from portal.audit.cli import COMMANDS as audit_commands
    from portal.backup.cli import COMMANDS as backup_commands

    for command in (
        *audit_commands,
        *backup_commands,
        init_db_command,
        create_org_command,
        create_user_command,
        seed_demo_command,
        bootstrap_command,
        prune_sessions_command,
        end_sessions_command,
        *resource_commands,
    ):
        app.cli.add_command(command)
