"""Commands: ``flask --app portal reindex``, ``check-index`` and ``drain-index``."""

import sys
import time

import click
from flask import current_app
from flask.cli import with_appcontext

from portal.search import maintenance, outbox


def _index():
    return current_app.extensions["search_index"]


@click.command("reindex")
@click.option(
    "--procs",
    type=click.IntRange(1, 8),
    default=None,
    help="Processes analysing documents (default: one per core, at most 4, for 2,000 "
    "resources or more).",
)
@with_appcontext
def reindex_command(procs):
    """Rebuild the search index from the database."""
    search_index = _index()
    if not search_index.exists():
        search_index.create()
    started = time.perf_counter()
    bar = None

    def on_total(total):
        nonlocal bar
        bar = click.progressbar(length=total, label="Indexing", file=sys.stderr)
        bar.__enter__()

    try:
        count = maintenance.rebuild(
            search_index, procs=procs, progress=lambda n: bar.update(n), on_total=on_total
        )
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
    seconds = time.perf_counter() - started
    click.echo(f"Indexed {count} resources in {seconds:.1f} s.")


@click.command("check-index")
@click.option("--limit", default=20, show_default=True, help="Ids listed per kind of drift.")
@with_appcontext
def check_index_command(limit):
    """Compare the search index with the database; exit 1 if they differ."""
    search_index = _index()
    if maintenance.ensure_index(search_index):
        click.echo("The search index was missing and has been built.")
    drift = maintenance.check(search_index)

    def ids(values):
        shown = ", ".join(str(v) for v in values[:limit])
        return shown + (" …" if len(values) > limit else "")

    for label, values in (
        ("missing from the index", drift.missing),
        ("stale in the index", drift.stale),
        ("in the index but not in the database", drift.extra),
    ):
        if values:
            click.echo(f"{len(values)} resources {label}: {ids(values)}")
    if drift.pending:
        click.echo(
            f"Backlog: {drift.pending} index tasks pending. The portal's background drainer "
            "applies them while it runs; `flask --app portal drain-index` applies them now."
        )
    if not drift.ok:
        click.echo("Run `flask --app portal reindex` to rebuild the index.", err=True)
        sys.exit(1)
    click.echo("The search index matches the database.")


@click.command("drain-index")
@with_appcontext
def drain_index_command():
    """Apply every pending index task now (a backlog after a crash or a killed import)."""
    search_index = _index()
    if maintenance.ensure_index(search_index):
        click.echo("The search index was missing and has been built.")
    started = time.perf_counter()
    applied = outbox.apply_pending(search_index)
    seconds = time.perf_counter() - started
    click.echo(f"Applied {applied} index tasks in {seconds:.1f} s; none are pending.")


COMMANDS = (reindex_command, check_index_command, drain_index_command)
