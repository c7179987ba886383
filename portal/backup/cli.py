"""`flask backup DEST` and `flask restore SRC`."""

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from portal.backup import services


def _fail(message: str) -> None:
    click.echo(f"Error: {message}", err=True)
    sys.exit(1)


@click.command("backup")
@click.argument("dest", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def backup_command(dest):
    """Write a consistent snapshot (database, uploads, manifest) into the empty folder DEST."""
    try:
        result = services.backup(dest)
    except services.BackupError as exc:
        _fail(str(exc))
    click.echo(f"Backup written to {result.path}: {result.files} files, {result.bytes} bytes.")


@click.command("restore")
@click.argument("src", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--verify-only", is_flag=True, help="Only check the backup's checksums.")
@with_appcontext
def restore_command(src, verify_only):
    """Restore the backup SRC into this (empty) instance, then rebuild the search index."""
    try:
        if verify_only:
            problems = services.verify(src)
            for problem in problems:
                click.echo(f"PROBLEM {problem}", err=True)
            if problems:
                sys.exit(1)
            click.echo("The backup is complete and undamaged.")
            return
        count = services.restore(src)
    except services.BackupError as exc:
        _fail(str(exc))
    click.echo(f"Restored {count} files.")
    indexed = services.rebuild_search_index()
    if indexed is not None:
        click.echo(f"Search index rebuilt: {indexed} resources.")


COMMANDS = (backup_command, restore_command)
