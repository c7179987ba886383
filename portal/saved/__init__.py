"""Saved searches with new-match counts, private Atom feeds and daily e-mail alerts."""

from flask import Flask


def init_app(app: Flask) -> None:
    from portal.saved.cli import COMMANDS

    for command in COMMANDS:
        app.cli.add_command(command)
