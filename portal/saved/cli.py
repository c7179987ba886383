"""`flask --app portal send-alerts` (run daily from cron; sends each alert at most once a day)."""

import click
from flask.cli import with_appcontext

from portal.saved.services import send_alerts


@click.command("send-alerts")
@with_appcontext
def send_alerts_command():
    """E-mail the new matches of saved searches with alerts switched on."""
    count = send_alerts()
    click.echo(f"Sent {count} alert e-mails.")


COMMANDS = (send_alerts_command,)
