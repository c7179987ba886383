"""Errors of the knowledge-base services, with German (lazy) messages meant for the user."""

from flask_babel import lazy_gettext as _l


class ResourceError(Exception):
    """A domain error whose message can be shown to the user."""


class EditConflict(ResourceError):
    """Somebody saved the resource after the editor loaded it."""

    def __init__(self, resource, base_version: int):
        super().__init__(_l("Der Eintrag wurde inzwischen von einer anderen Person geändert."))
        self.resource = resource
        self.base_version = base_version
