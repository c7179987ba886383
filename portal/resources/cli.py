"""Knowledge-base commands: `import FILE.jsonl`, `export FILE.jsonl`, `sync-courts`."""

import sys
import time

import click
from flask.cli import with_appcontext

from portal.audit import record
from portal.audit.services import SYSTEM
from portal.extensions import db
from portal.resources.courts import sync_courts
from portal.resources.models import RESOURCE_TYPES
from portal.resources.transfer import ImportFailed, export_lines, import_lines
from portal.search.outbox import index_ahead


@click.command("import")
@click.argument("file", type=click.File("r", encoding="utf-8-sig"))
@with_appcontext
def import_command(file):
    """Import resources from a JSONL file (all or nothing; same external_id updates)."""
    started = time.perf_counter()
    lines = file.readlines()
    count = sum(1 for line in lines if line.strip())
    try:
        # New resources' index documents are written while the import goes on, and
        # committed after the database commit.
        with index_ahead(count) as ahead:
            with click.progressbar(
                length=count, label="Importiere", file=sys.stderr, show_pos=True
            ) as bar:
                summary = import_lines(
                    lines, progress=bar.update, created=ahead.add if ahead else None
                )
            record(
                "resource.imported",
                actor=SYSTEM,
                details={
                    "created": summary.created,
                    "updated": summary.updated,
                    "unchanged": summary.unchanged,
                },
            )
            db.session.commit()
    except ImportFailed as failed:
        db.session.rollback()
        click.echo(f"Nichts importiert: {len(failed.errors)} Fehler in {file.name}.", err=True)
        for error in failed.errors:
            click.echo(f"  {error}", err=True)
        sys.exit(1)
    except Exception:
        db.session.rollback()
        raise
    seconds = time.perf_counter() - started
    click.echo(
        f"Import abgeschlossen: {summary.created} neu, {summary.updated} geändert, "
        f"{summary.unchanged} unverändert ({summary.total} Zeilen in {seconds:.1f} s)."
    )
    if summary.new_courts:
        click.echo("Neu angelegte Gerichte (bitte prüfen): " + ", ".join(summary.new_courts))


@click.command("export")
@click.argument("file", type=click.File("w", encoding="utf-8", lazy=True))
@click.option(
    "--type",
    "types",
    type=click.Choice(list(RESOURCE_TYPES)),
    multiple=True,
    help="Only resources of this type (repeatable).",
)
@with_appcontext
def export_command(file, types):
    """Export resources as JSONL (one record per line; imports again unchanged)."""
    count = 0
    for line in export_lines(types):
        file.write(line)
        count += 1
    record("resource.exported", actor=SYSTEM, details={"count": count, "types": sorted(types)})
    db.session.commit()
    click.echo(f"{count} Dokumente exportiert.", err=file.name == "-")


@click.command("sync-courts")
@with_appcontext
def sync_courts_command():
    """Create or update the court table from the curated catalogue (idempotent)."""
    created, updated = sync_courts()
    db.session.commit()
    click.echo(f"Courts: {created} created, {updated} updated.")


COMMANDS = (import_command, export_command, sync_courts_command)
