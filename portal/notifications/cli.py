"""`flask --app portal send-digests` (run daily from cron; each digest goes out once per period)."""

import click
from flask.cli import with_appcontext

from portal.notifications.digests import send_digests


@click.command("send-digests")
@with_appcontext
def send_digests_command():
    """Mail the due daily and weekly digests of notifications."""
    count = send_digests()
    click.echo(f"Sent {count} digest e-mails.")


COMMANDS = (send_digests_command,)
