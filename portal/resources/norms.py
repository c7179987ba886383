"""Norms a resource cites, in one place: typed, suggested from the text, parsed, applied.

A resource's norms are rows of `ResourceNorm`. Confirmed ones were typed (or accepted) by a
person or imported; unconfirmed ones are suggestions the portal found in the text, offered in
the edit form until somebody accepts them.
"""

from __future__ import annotations

import logging
from functools import lru_cache

from portal.legal.citations import Norm, extract_norms, parse_norm
from portal.resources.models import Resource, ResourceNorm

logger = logging.getLogger(__name__)


@lru_cache(maxsize=4096)
def parse_norm_cached(text: str) -> Norm | None:
    """`parse_norm` with a cache: imports cite the same few norms thousands of times."""
    return parse_norm(text)


def parse_norm_lines(text: str) -> tuple[list[Norm], list[str]]:
    """Norms typed one per line (or separated by semicolons); returns (norms, unparseable)."""
    norms: list[Norm] = []
    bad: list[str] = []
    for raw in (text or "").replace(";", "\n").splitlines():
        raw = raw.strip()
        if not raw:
            continue
        norm = parse_norm(raw)
        if norm is None:
            bad.append(raw)
        elif norm not in norms:
            norms.append(norm)
    return norms, bad


def text_of(resource) -> str:
    """The text norms are suggested from: title, summary and body."""
    return "\n".join(part for part in (resource.title, resource.summary, resource.body) if part)


def suggest_norms(text: str) -> list[Norm]:
    """Norms cited in a text (never raises: a suggestion must not stop a save)."""
    try:
        return extract_norms(text) if text.strip() else []
    except Exception:  # noqa: BLE001 - a suggestion must never stop a save
        logger.warning("Norm extraction failed", exc_info=True)
        return []


def chosen_norms(typed: str, accepted: list[str], text: str) -> tuple[list[Norm], list[Norm]]:
    """What an edit form's norm fields mean: (confirmed norms, suggestions to offer).

    Confirmed are the typed norms and the suggestions whose keys were accepted; offered are
    the norms found in `text` that were not typed (accepted ones stay offered, ticked).
    """
    confirmed = parse_norm_lines(typed)[0]
    typed_keys = {norm.key for norm in confirmed}
    found = suggest_norms(text)
    offered = [norm for norm in found if norm.key not in typed_keys]
    confirmed += [norm for norm in offered if norm.key in accepted]
    return confirmed, offered


def apply_norms(resource: Resource, confirmed: list[Norm], suggest: bool) -> None:
    """Make the resource's norms these confirmed ones, in this order; with `suggest`, norms
    found in its text follow as unconfirmed suggestions (otherwise open suggestions go).

    Rows that stay are kept (the key is unique per resource).
    """
    wanted: dict[str, tuple[Norm, bool]] = {norm.key: (norm, True) for norm in confirmed}
    if suggest:
        for norm in suggest_norms(text_of(resource)):
            wanted.setdefault(norm.key, (norm, False))
    existing = {row.key: row for row in resource.norms}
    rows = []
    for position, (norm, is_confirmed) in enumerate(wanted.values()):
        row = existing.pop(norm.key, None) or ResourceNorm(key=norm.key)
        row.label, row.slug, row.position = norm.label, norm.slug, position
        row.confirmed = is_confirmed
        rows.append(row)
    resource.norms = rows
