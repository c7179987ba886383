"""The API's JSON shapes: resources in the import/export record format, search answers."""

from __future__ import annotations

from sqlalchemy import select

from portal.extensions import db
from portal.resources.access import visible_record_links
from portal.resources.cite import resource_url
from portal.resources.fields import FACET_FIELDS
from portal.resources.models import Resource, ResourceNorm
from portal.resources.records import external_id_of, to_record


def resource_json(resource: Resource, user) -> dict:
    """The record (as `flask --app portal export` writes it) plus `id` and `url`."""
    return {
        "id": resource.id,
        "url": resource_url(resource),
        **to_record(resource, links=visible_record_links(user, resource)),
    }


def _iso(value) -> str | None:
    return value.isoformat() if value else None


def norm_labels(resource_ids: list[int]) -> dict[int, list[str]]:
    """The labels of each resource's norms in their order, in one query (no ORM rows)."""
    labels: dict[int, list[str]] = {}
    if resource_ids:
        rows = db.session.execute(
            select(ResourceNorm.resource_id, ResourceNorm.label)
            .where(ResourceNorm.resource_id.in_(resource_ids))
            .order_by(ResourceNorm.position, ResourceNorm.id)
        )
        for resource_id, label in rows:
            labels.setdefault(resource_id, []).append(label)
    return labels


def hit_json(hit, norms: list[str]) -> dict:
    resource = hit.resource
    return {
        "id": resource.id,
        "external_id": external_id_of(resource),
        "type": resource.type,
        "title": resource.title,
        "summary": resource.summary or "",
        "snippet": str(hit.snippet or ""),
        "score": round(float(hit.score or 0.0), 4),
        "url": resource_url(resource),
        "court": resource.court.name if resource.court else None,
        "decision_date": _iso(resource.decision_date),
        "file_number": resource.file_number or None,
        "norms": norms,
    }


FACET_NAMES = (
    "type",
    "court",
    "court_level",
    "legal_area",
    "norm",
    "topic",
    "year",
    *(f.name for f in FACET_FIELDS),
)


def search_json(query, result) -> dict:
    facets = {}
    for name in FACET_NAMES:
        facets[name] = [
            {"value": str(value), "label": str(label), "count": int(count)}
            for value, label, count in facet_entries(result, name)
        ]
    labels = norm_labels([hit.resource.id for hit in result.hits])
    return {
        "query": query.q,
        "total": int(result.total),
        "page": query.page,
        "per_page": query.per_page,
        "suggestion": result.suggestion or None,
        "results": [hit_json(hit, labels.get(hit.resource.id, [])) for hit in result.hits],
        "facets": facets,
    }


def facet_entries(result, name: str):
    """(value, label, count) of one facet from the search result."""
    for entry in (result.facets or {}).get(name, ()):
        yield entry.value, entry.label, entry.count
