"""Organisation commands: `create-org`."""

import click
from flask.cli import with_appcontext

from portal.auth.cli import fail
from portal.extensions import db
from portal.orgs.models import FEDERAL_STATES, ORG_KINDS
from portal.orgs.services import OrganisationError, save_organisation


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


COMMANDS = (create_org_command,)
