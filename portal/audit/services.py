"""Recording, verifying, pruning, filtering and exporting the audit trail.

The chain: every entry has a sequence number and stores the hash of its predecessor;
`hash = sha256(canonical JSON of the entry's fields + prev_hash)`. Changing, inserting or
removing an entry in the middle breaks the chain; `verify_chain` finds it. Writers are
serialised (SQLite transactions start with BEGIN IMMEDIATE, PostgreSQL takes an advisory lock)
and `prev_hash` is unique, so two workers can never both append after the same entry.

Pruning removes the oldest entries and appends an `audit.pruned` checkpoint that names the
sequence number and hash of the last removed entry, so the remaining chain still verifies.

Pseudonymisation: the hash covers `actor_key`, not the actor's id or e-mail. The key is
HMAC-SHA256(user.audit_pseudonym, "<id>|<e-mail>"), with a random per-user secret, so while the
account exists `verify_chain` can check that id and e-mail of every entry are the original
ones. Deleting an account clears id and e-mail in its entries and records a `user.deleted`
entry listing the keys it pseudonymised; without the per-user secret the key can no longer be
linked to the person, and the chain still verifies.
"""

import csv
import hashlib
import hmac
import io
import ipaddress
import json
import logging
import secrets
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from flask import current_app, has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import Select, delete, func, select, text, update

from portal.audit.models import GENESIS_HASH, AuditEntry
from portal.auth.models import User
from portal.extensions import db
from portal.timeutil import utcnow

logger = logging.getLogger(__name__)

ACTIONS = {
    "login.success": _l("Anmeldung erfolgreich"),
    "login.failure": _l("Anmeldung fehlgeschlagen"),
    "login.lockout": _l("Konto vorübergehend gesperrt"),
    "logout": _l("Abmeldung"),
    "2fa.enabled": _l("Zweiter Faktor eingerichtet"),
    "2fa.disabled": _l("Zweiter Faktor abgeschaltet"),
    "2fa.reset": _l("Zweiter Faktor zurückgesetzt"),
    "2fa.failure": _l("Falscher Bestätigungscode"),
    "2fa.recovery_used": _l("Wiederherstellungscode benutzt"),
    "2fa.recovery_regenerated": _l("Neue Wiederherstellungscodes"),
    "password.changed": _l("Passwort geändert"),
    "password.reset_requested": _l("Zurücksetzen des Passworts angefordert"),
    "password.reset": _l("Passwort zurückgesetzt"),
    "email.change_requested": _l("Änderung der E-Mail-Adresse angefordert"),
    "email.changed": _l("E-Mail-Adresse geändert"),
    "invitation.created": _l("Einladung erstellt"),
    "invitation.resent": _l("Einladung erneut gesendet"),
    "invitation.revoked": _l("Einladung zurückgezogen"),
    "invitation.accepted": _l("Einladung angenommen"),
    "user.created": _l("Konto angelegt"),
    "user.role_changed": _l("Rolle geändert"),
    "user.organisation_changed": _l("Organisation einer Person gewechselt"),
    "user.deactivated": _l("Konto deaktiviert"),
    "user.activated": _l("Konto aktiviert"),
    "user.sessions_ended": _l("Alle Sitzungen beendet"),
    "sessions.all_ended": _l("Sitzungen aller Konten beendet"),
    "user.deleted": _l("Konto gelöscht"),
    "user.data_exported": _l("Eigene Daten heruntergeladen"),
    "organisation.created": _l("Organisation angelegt"),
    "organisation.updated": _l("Angaben einer Organisation geändert"),
    "token.created": _l("Zugangstoken erstellt"),
    "token.revoked": _l("Zugangstoken widerrufen"),
    "resource.published": _l("Beitrag veröffentlicht"),
    "resource.returned": _l("Beitrag zurückgegeben"),
    "resource.archived": _l("Beitrag archiviert"),
    "resource.restored": _l("Beitrag wiederhergestellt"),
    "resource.visibility_changed": _l("Sichtbarkeit geändert"),
    "attachment.downloaded": _l("Anhang heruntergeladen"),
    "resource.imported": _l("Beiträge importiert"),
    "resource.exported": _l("Beiträge exportiert"),
    "court.curated": _l("Gericht geprüft"),
    "comment.hidden": _l("Kommentar ausgeblendet"),
    "comment.restored": _l("Kommentar wieder eingeblendet"),
    "audit.pruned": _l("Protokoll gekürzt"),
    "audit.exported": _l("Protokoll exportiert"),
}

# Keys that must never reach the trail, whatever a caller passes.
FORBIDDEN_DETAIL_KEYS = {"password", "token", "code", "secret", "recovery_code", "csrf_token"}

# PostgreSQL advisory lock id for appending to the chain ("audit" in ASCII).
_PG_LOCK_ID = 0x6175646974


# --- recording ---------------------------------------------------------------------------


def canonical(data: dict) -> str:
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def entry_hash(entry: AuditEntry) -> str:
    """sha256 over the canonical JSON of the chained fields and the predecessor's hash."""
    payload = canonical(
        {
            "seq": entry.seq,
            "created_at": entry.created_at.isoformat(timespec="microseconds"),
            "actor_key": entry.actor_key,
            "ip_address": entry.ip_address,
            "action": entry.action,
            "target_type": entry.target_type,
            "target_id": entry.target_id,
            "details": entry.details,
            "prev_hash": entry.prev_hash,
        }
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def actor_key(user) -> str:
    """The pseudonym of a user as actor; needs the account's random `audit_pseudonym`."""
    if not user.audit_pseudonym:
        user.audit_pseudonym = secrets.token_hex(16)
    message = f"{user.id}|{user.email}".encode()
    return hmac.new(user.audit_pseudonym.encode(), message, hashlib.sha256).hexdigest()


def truncate_ip(address: str | None) -> str:
    """Keep only the network part configured in AUDIT_IP_TRUNCATION (IPv4, IPv6 prefix)."""
    if not address:
        return ""
    v4, v6 = current_app.config["AUDIT_IP_TRUNCATION"]
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return ""
    prefix = int(v4 if ip.version == 4 else v6)
    if prefix <= 0:
        return ""
    network = ipaddress.ip_network(f"{ip}/{prefix}", strict=False)
    return str(network.network_address) if prefix >= network.max_prefixlen else str(network)


def _clean_details(details: dict | None) -> dict:
    details = dict(details or {})
    for key in list(details):
        if key.lower() in FORBIDDEN_DETAIL_KEYS:
            raise ValueError(f"audit details must not contain {key!r}")
    # Round-trip through JSON so what we hash is exactly what the database returns.
    return json.loads(canonical(details))


def _target(target) -> tuple[str, str]:
    if target is None:
        return "", ""
    if isinstance(target, tuple):
        kind, ident = target
        return str(kind), "" if ident is None else str(ident)
    return target.__tablename__, str(target.id)


def _lock_chain() -> None:
    """Serialise appends: hold the database's write lock before reading the chain's head."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        db.session.execute(select(func.pg_advisory_xact_lock(_PG_LOCK_ID)))
    elif dialect == "sqlite":
        # A write that changes nothing still takes SQLite's write lock (waiting up to the busy
        # timeout) unless the transaction holds it already; in a request it is the first
        # write, where portal.security.write_lock checks that the reads are still current.
        db.session.execute(text("UPDATE audit_entry SET seq = seq WHERE 1 = 0"))


def _last_entry() -> AuditEntry | None:
    return db.session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))


class _System:
    """Marker for actions without a person (command line, scheduled jobs)."""


SYSTEM = _System()


def record(
    action: str,
    *,
    target=None,
    details: dict | None = None,
    actor=None,
) -> AuditEntry:
    """Append an entry to the current database session (committed with the request).

    `actor` defaults to the logged-in user; pass `SYSTEM` for the command line. `target` is a
    model instance or a `(type, id)` tuple.
    """
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    if actor is None and has_request_context() and current_user.is_authenticated:
        actor = current_user._get_current_object()
    if actor is SYSTEM:
        actor = None
    target_type, target_id = _target(target)
    _lock_chain()
    last = _last_entry()
    entry = AuditEntry(
        seq=(last.seq + 1) if last else 1,
        created_at=utcnow(),
        actor_key=actor_key(actor) if actor is not None else None,
        actor_id=actor.id if actor is not None else None,
        actor_email=actor.email if actor is not None else None,
        ip_address=truncate_ip(request.remote_addr) if has_request_context() else "",
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=_clean_details(details),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    entry.hash = entry_hash(entry)
    db.session.add(entry)
    db.session.flush()
    return entry


# --- verification ------------------------------------------------------------------------


@dataclass
class Problem:
    seq: int | None
    message: str

    def __str__(self) -> str:
        return f"entry {self.seq}: {self.message}" if self.seq is not None else self.message


def verify_chain(expect_head: tuple[int, str] | None = None) -> tuple[list[Problem], int]:
    """Check every entry; returns the problems found and the number of entries checked."""
    problems: list[Problem] = []
    pseudonyms = dict(db.session.execute(select(User.id, User.audit_pseudonym)).all())
    emails = {}
    pruned: dict[int, str] = {}
    deleted_keys: set[str] = set()
    previous: AuditEntry | None = None
    first: AuditEntry | None = None
    count = 0
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        count += 1
        if first is None:
            first = entry
        elif entry.seq != previous.seq + 1:
            problems.append(
                Problem(entry.seq, f"entries {previous.seq + 1}..{entry.seq - 1} missing")
            )
        if previous is not None and entry.prev_hash != previous.hash:
            problems.append(
                Problem(entry.seq, "does not follow its predecessor (changed or removed)")
            )
        if entry_hash(entry) != entry.hash:
            problems.append(Problem(entry.seq, "content changed after it was written"))
        if entry.action == "audit.pruned":
            pruned[int(entry.details.get("up_to_seq", -1))] = entry.details.get("last_hash", "")
        if entry.action == "user.deleted":
            deleted_keys.update(entry.details.get("actor_keys", []))
        problems += _check_actor(entry, pseudonyms, emails)
        previous = entry
    if first is not None and first.seq == 1 and first.prev_hash != GENESIS_HASH:
        problems.append(Problem(1, "the first entry does not start the chain"))
    if first is not None and first.seq > 1 and pruned.get(first.seq - 1) != first.prev_hash:
        problems.append(Problem(first.seq, "older entries were removed without a checkpoint"))
    for entry in db.session.scalars(
        select(AuditEntry).where(AuditEntry.actor_key.is_not(None), AuditEntry.actor_id.is_(None))
    ):
        if entry.actor_key not in deleted_keys:
            problems.append(Problem(entry.seq, "actor removed without a recorded deletion"))
    if expect_head is not None:
        seq, expected = expect_head
        row = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == seq))
        if row is None or row.hash != expected:
            problems.append(Problem(seq, "does not match the recorded head (entries removed?)"))
    return problems, count


def _check_actor(entry: AuditEntry, pseudonyms: dict, _cache: dict) -> list[Problem]:
    if entry.actor_id is None:
        if entry.actor_email:
            return [Problem(entry.seq, "actor e-mail without an account")]
        return []
    pseudonym = pseudonyms.get(entry.actor_id)
    if pseudonym is None or entry.actor_key is None:
        return [Problem(entry.seq, "actor does not match its pseudonym")]
    message = f"{entry.actor_id}|{entry.actor_email}".encode()
    expected = hmac.new(pseudonym.encode(), message, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, entry.actor_key):
        return [Problem(entry.seq, "actor changed after it was written")]
    return []


def head() -> AuditEntry | None:
    return _last_entry()


# --- pruning and pseudonymisation --------------------------------------------------------


def prune(retention: timedelta) -> int:
    """Delete entries older than `retention`, then append a checkpoint; returns how many."""
    cutoff = utcnow() - retention
    _lock_chain()
    # Only a prefix of the chain may go: everything up to the newest entry older than cutoff.
    up_to = db.session.scalar(
        select(func.max(AuditEntry.seq)).where(AuditEntry.created_at < cutoff)
    )
    if up_to is None:
        return 0
    last_pruned = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == up_to))
    last_hash = last_pruned.hash
    count = db.session.execute(delete(AuditEntry).where(AuditEntry.seq <= up_to)).rowcount or 0
    record(
        "audit.pruned",
        actor=SYSTEM,
        details={"up_to_seq": up_to, "last_hash": last_hash, "count": count},
    )
    return count


def pseudonymise_actor(user) -> list[str]:
    """Clear the user's id and e-mail from the trail; returns the pseudonyms now orphaned."""
    keys = sorted(
        k
        for k in db.session.scalars(
            select(AuditEntry.actor_key).where(AuditEntry.actor_id == user.id).distinct()
        )
        if k
    )
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.actor_id == user.id)
        .values(actor_id=None, actor_email=None)
        .execution_options(synchronize_session=False)
    )
    return keys


# --- filtering and export ----------------------------------------------------------------


def entry_query(
    actor: str = "",
    action: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
    target_type: str = "",
    target_id: str = "",
) -> Select:
    stmt = select(AuditEntry)
    if actor:
        actor = actor.strip().lower()
        if actor.isdigit():
            stmt = stmt.where(AuditEntry.actor_id == int(actor))
        else:
            stmt = stmt.where(func.lower(AuditEntry.actor_email).like(f"%{actor}%"))
    if action:
        stmt = stmt.where(AuditEntry.action == action)
    if date_from:
        stmt = stmt.where(AuditEntry.created_at >= datetime.combine(date_from, time.min))
    if date_to:
        stmt = stmt.where(
            AuditEntry.created_at < datetime.combine(date_to + timedelta(days=1), time.min)
        )
    if target_type:
        stmt = stmt.where(AuditEntry.target_type == target_type)
    if target_id:
        stmt = stmt.where(AuditEntry.target_id == target_id.strip())
    return stmt.order_by(AuditEntry.seq.desc())


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value) -> str:
    """A cell value a spreadsheet will not run as a formula (CSV injection)."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


CSV_COLUMNS = (
    "seq",
    "created_at",
    "actor_id",
    "actor_email",
    "actor_key",
    "ip_address",
    "action",
    "target_type",
    "target_id",
    "details",
    "hash",
)


def export_csv(stmt: Select) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for entry in db.session.scalars(stmt):
        row = []
        for column in CSV_COLUMNS:
            value = getattr(entry, column)
            if column == "details":
                value = canonical(value or {})
            elif column == "created_at":
                value = value.isoformat(timespec="seconds")
            row.append(spreadsheet_safe(value))
        writer.writerow(row)
    return out.getvalue()
