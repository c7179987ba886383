"""Account commands: `create-user`, `delete-user`, `prune-sessions`, `end-sessions`."""

import sys

import click
from flask.cli import with_appcontext

from portal.audit import record
from portal.audit.services import SYSTEM
from portal.auth import services as auth_services
from portal.auth.models import ROLES
from portal.auth.privacy import delete_user
from portal.auth.services import find_user
from portal.auth.sessions import end_all_sessions, prune_expired
from portal.extensions import db
from portal.orgs.services import find_organisation


def fail(message: str) -> None:
    """One line on standard error and exit code 1."""
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


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


@click.command("delete-user")
@click.argument("email")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def delete_user_command(email, yes):
    """Delete an account; its resources stay, its audit entries are pseudonymised."""
    user = find_user(email)
    if user is None:
        click.echo(f"Error: no account {email!r}", err=True)
        sys.exit(1)
    if not yes:
        click.confirm(f"Delete {user.email} ({user.name}) for good?", abort=True)
    delete_user(user, None)
    db.session.commit()
    click.echo(f"Deleted account {email.strip().lower()}.")


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


COMMANDS = (create_user_command, delete_user_command, prune_sessions_command, end_sessions_command)
