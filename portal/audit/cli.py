"""Audit trail commands: `verify-audit` and `prune-audit`."""

import sys
from datetime import timedelta

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.audit import services
from portal.extensions import db


@click.command("verify-audit")
@click.option(
    "--expect-head",
    metavar="SEQ:HASH",
    default=None,
    help="A head printed earlier (e.g. kept off the server); fails if it is gone or changed.",
)
@with_appcontext
def verify_audit_command(expect_head):
    """Check the audit trail's hash chain; exit code 1 if anything was changed or removed."""
    expected = None
    if expect_head:
        seq, _, digest = expect_head.partition(":")
        if not seq.isdigit() or len(digest) != 64:
            click.echo("Error: --expect-head must look like 123:<64 hex digits>", err=True)
            sys.exit(2)
        expected = (int(seq), digest.lower())
    problems, count = services.verify_chain(expected)
    for problem in problems:
        click.echo(f"PROBLEM {problem}", err=True)
    last = services.head()
    if problems:
        click.echo(
            f"Audit trail NOT intact: {len(problems)} problem(s) in {count} entries.", err=True
        )
        sys.exit(1)
    click.echo(f"Audit trail intact: {count} entries.")
    if last is not None:
        click.echo(f"Head: {last.seq}:{last.hash}")


@click.command("prune-audit")
@click.option(
    "--days", type=click.IntRange(min=1), default=None, help="Default: AUDIT_RETENTION_DAYS."
)
@with_appcontext
def prune_audit_command(days):
    """Delete audit entries older than the retention period, keeping the chain verifiable."""
    days = days or int(current_app.config["AUDIT_RETENTION_DAYS"])
    count = services.prune(timedelta(days=days))
    db.session.commit()
    click.echo(f"Deleted {count} audit entries older than {days} days.")


COMMANDS = (verify_audit_command, prune_audit_command)
