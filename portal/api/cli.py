"""`flask --app portal create-token EMAIL [--name NAME]`."""

import sys

import click
from flask.cli import with_appcontext

from portal.api import services
from portal.audit.services import SYSTEM
from portal.auth.services import find_user
from portal.extensions import db


@click.command("create-token")
@click.argument("email")
@click.option("--name", default="Kommandozeile", show_default=True, help="Shown on the profile.")
@with_appcontext
def create_token_command(email, name):
    """Create a personal API token for a user and print it once (only its hash is stored)."""
    user = find_user(email)
    if user is None or not user.is_active:
        click.echo(f"Error: no active user {email.strip().lower()!r}", err=True)
        sys.exit(1)
    try:
        _row, token = services.create_token(user, name, actor=SYSTEM)
    except services.TokenError as exc:
        click.echo(f"Error: {exc}", err=True)
        sys.exit(1)
    db.session.commit()
    click.echo(token)
    click.echo(
        f"API token {name!r} for {user.email} created. It is shown only now; "
        "send it as 'Authorization: Bearer <token>'.",
        err=True,
    )


COMMANDS = (create_token_command,)
