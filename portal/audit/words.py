"""The audit trail in words: targets by name with a link, details with labels and values.

The trail stores keys and numbers (`user 12`, `organisation_id: 2`, `role: member`); the audit
page shows "Person Mara Beraterin" and "Organisation: FBS Nord" instead, read in a few queries
per page. Targets that no longer exist keep their number.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from flask import url_for
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from portal.auth.models import ROLES, Invitation, User
from portal.extensions import db
from portal.orgs.models import Organisation
from portal.resources.models import Court, Resource

#: Target types (table names) in the trail, for the filter's choices and the page.
TARGET_TYPES = {
    "user": _l("Person"),
    "organisation": _l("Organisation"),
    "resource": _l("Eintrag"),
    "attachment": _l("Anhang"),
    "invitation": _l("Einladung"),
    "court": _l("Gericht"),
    "api_token": _l("Zugangstoken"),
}

DETAIL_LABELS = {
    "role": _l("Rolle"),
    "from": _l("vorher"),
    "to": _l("nachher"),
    "organisation_id": _l("Organisation"),
    "resource": _l("Eintrag"),
    "reason": _l("Grund"),
    "method": _l("Verfahren"),
    "remaining": _l("verbleibende Codes"),
    "count": _l("Anzahl"),
    "name": _l("Name"),
    "prefix": _l("Kennung"),
    "until": _l("bis"),
    "tokens_revoked": _l("Zugangstoken widerrufen"),
    "types": _l("Arten"),
}

VALUE_WORDS = {
    "reason": {
        "unknown_account": _l("unbekanntes Konto"),
        "locked": _l("Konto gesperrt"),
        "password": _l("falsches Passwort"),
        "inactive": _l("Konto deaktiviert"),
    },
    "method": {
        "password": _l("Passwort"),
        "totp": _l("Authenticator-App"),
        "recovery": _l("Wiederherstellungscode"),
    },
}
ROLE_KEYS = ("role", "from", "to")
YES_NO = {True: _l("ja"), False: _l("nein")}


@dataclass
class Named:
    """Something an entry names: its words and, where it still exists, its page."""

    text: str
    url: str | None = None


@dataclass
class EntryWords:
    target_type: str = ""
    target: Named | None = None
    details: list[tuple[str, Named]] = field(default_factory=list)


def _names(kind: str, ids: set[int]) -> dict[int, Named]:
    """Names and admin (or reading) pages of the targets of one type."""
    if not ids:
        return {}
    if kind == "user":
        rows = db.session.execute(select(User.id, User.name).where(User.id.in_(ids)))
        return {i: Named(name, url_for("admin.user_edit", user_id=i)) for i, name in rows}
    if kind == "organisation":
        rows = db.session.execute(
            select(Organisation.id, Organisation.name).where(Organisation.id.in_(ids))
        )
        return {
            i: Named(name, url_for("admin.organisation_edit", organisation_id=i))
            for i, name in rows
        }
    if kind == "resource":
        rows = db.session.execute(select(Resource.id, Resource.title).where(Resource.id.in_(ids)))
        return {i: Named(title, url_for("resources.detail", resource_id=i)) for i, title in rows}
    if kind == "court":
        rows = db.session.execute(select(Court.id, Court.name).where(Court.id.in_(ids)))
        return {i: Named(name, url_for("admin.court_edit", court_id=i)) for i, name in rows}
    if kind == "invitation":
        rows = db.session.execute(
            select(Invitation.id, Invitation.email).where(Invitation.id.in_(ids))
        )
        return {i: Named(email, url_for("admin.invitation_list")) for i, email in rows}
    return {}


def _as_int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def describe(entries) -> dict[int, EntryWords]:
    """Each entry's target and details in words, by the entry's `seq`."""
    wanted: dict[str, set[int]] = defaultdict(set)
    for entry in entries:
        if (number := _as_int(entry.target_id)) is not None:
            wanted[entry.target_type].add(number)
        details = entry.details or {}
        if (number := _as_int(details.get("organisation_id"))) is not None:
            wanted["organisation"].add(number)
        if (number := _as_int(details.get("resource"))) is not None:
            wanted["resource"].add(number)
    names = {kind: _names(kind, ids) for kind, ids in wanted.items()}

    def named(kind: str, value) -> Named:
        number = _as_int(value)
        found = names.get(kind, {}).get(number) if number is not None else None
        return found or Named(f"#{value}")

    described = {}
    for entry in entries:
        words = EntryWords()
        if entry.target_type:
            words.target_type = str(TARGET_TYPES.get(entry.target_type, entry.target_type))
            words.target = named(entry.target_type, entry.target_id)
        for key, value in (entry.details or {}).items():
            label = str(DETAIL_LABELS.get(key, key))
            if key == "organisation_id":
                shown = named("organisation", value)
            elif key == "resource":
                shown = named("resource", value)
            elif key in ROLE_KEYS and value in ROLES:
                shown = Named(str(ROLES[value]))
            elif key in VALUE_WORDS and value in VALUE_WORDS[key]:
                shown = Named(str(VALUE_WORDS[key][value]))
            elif isinstance(value, bool):
                shown = Named(str(YES_NO[value]))
            elif isinstance(value, list):
                shown = Named(", ".join(str(v) for v in value))
            else:
                shown = Named(str(value))
            words.details.append((label, shown))
        described[entry.seq] = words
    return described
