"""The OpenAPI 3.1 description of the JSON API, served at /api/v1/openapi.json.

Written by hand and kept honest by tests/api/test_openapi.py, which validates real answers
against the schemas below (JSON Schema 2020-12, as OpenAPI 3.1 uses).
"""

from __future__ import annotations

from copy import deepcopy

from portal.api.params import (
    DEFAULT_PER_PAGE,
    MAX_DESCRIPTION,
    MAX_PER_PAGE,
    MAX_QUERY,
    MODES,
    SORTS,
)
from portal.api.representation import FACET_NAMES
from portal.legal.courts import COURT_LEVELS
from portal.notifications.services import KINDS as NOTIFICATION_KINDS
from portal.resources.fields import FACET_FIELDS, FIELDS, Field, record_fields
from portal.resources.models import LANGUAGES, LEGAL_AREAS, RESOURCE_TYPES, STATUSES

_NULLABLE_STRING = {"type": ["string", "null"]}
_DATE = {"type": ["string", "null"], "format": "date"}
_STRINGS = {"type": "array", "items": {"type": "string"}}


def _field_schema(f: Field) -> dict:
    """The JSON Schema of a record field, from its kind in the field table."""
    schema: dict
    if f.kind == "choice" and f.default is not None:
        schema = {"enum": list(f.choices)}
    elif f.kind == "choice":
        schema = {"enum": [*f.choices, ""]}
    elif f.kind == "resource_type":
        schema = {"enum": list(f.choices)}
    elif f.kind == "choices":
        schema = {"type": "array", "items": {"enum": list(f.choices)}}
        if f.name == "outcome":
            schema["description"] = "A list since 2026-12; imports also take a single key."
        if f.name == "victims_nationalities":
            schema["description"] = "ISO 3166-1 alpha-2 codes"
    elif f.kind in ("list", "lines", "norms"):
        schema = dict(_STRINGS)
    elif f.kind == "date":
        schema = dict(_DATE)
    elif f.kind == "integer":
        schema = {"type": ["integer", "null"]}
    elif f.kind == "number":
        schema = {"type": ["number", "null"]}
    elif f.kind == "boolean":
        schema = {"type": ["boolean", "null"]}
    elif f.kind == "organisation":
        schema = dict(_NULLABLE_STRING)
    else:
        schema = {"type": "string"}
    if f.kind == "markdown":
        schema["description"] = "Markdown"
    return schema


def _param(name: str, description: str, schema: dict, *, repeatable: bool = False) -> dict:
    if repeatable:
        schema = {"type": "array", "items": schema}
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema,
        **({"style": "form", "explode": True} if repeatable else {}),
    }


def _error(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


FACET = {
    "type": "array",
    "items": {
        "type": "object",
        "required": ["value", "label", "count"],
        "additionalProperties": False,
        "properties": {
            "value": {
                "type": "string",
                "description": "Pass back as the filter value (courts: an id).",
            },
            "label": {"type": "string"},
            "count": {"type": "integer", "minimum": 0},
        },
    },
}

SCHEMAS = {
    "Error": {
        "type": "object",
        "required": ["error"],
        "additionalProperties": False,
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {"type": "integer"},
                    "message": {"type": "string"},
                },
            }
        },
    },
    "SearchHit": {
        "type": "object",
        "required": [
            "id",
            "external_id",
            "type",
            "title",
            "summary",
            "snippet",
            "score",
            "url",
            "court",
            "decision_date",
            "file_number",
            "norms",
        ],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "external_id": {"type": "string"},
            "type": {"enum": list(RESOURCE_TYPES)},
            "title": {"type": "string"},
            "summary": {"type": "string"},
            "snippet": {
                "type": "string",
                "description": (
                    "HTML: an escaped passage around the matched words, which are wrapped "
                    "in <mark>; may be empty."
                ),
            },
            "score": {"type": "number"},
            "url": {"type": "string", "format": "uri"},
            "court": _NULLABLE_STRING,
            "decision_date": _DATE,
            "file_number": _NULLABLE_STRING,
            "norms": {
                **_STRINGS,
                "description": (
                    'Cited norms down to Absatz, Satz, Nummer, e.g. "§ 232a StGB", '
                    '"§ 25 Abs. 4a Satz 3 AufenthG".'
                ),
            },
        },
    },
    "SearchResult": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "suggestion", "results", "facets"],
        "additionalProperties": False,
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": MAX_PER_PAGE},
            "suggestion": {
                "type": ["string", "null"],
                "description": "A corrected query (did you mean), if any.",
            },
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
            "facets": {
                "type": "object",
                "required": list(FACET_NAMES),
                "additionalProperties": False,
                "properties": {name: FACET for name in FACET_NAMES},
            },
        },
    },
    "Link": {
        "type": "object",
        "required": ["kind", "target"],
        "additionalProperties": False,
        "properties": {
            "kind": {"enum": ["related", "instance"]},
            "target": {"type": "string", "description": "external_id of the linked resource"},
        },
    },
    "Resource": {
        "description": (
            "A resource in the import/export record format (see `flask --app portal export`) "
            "plus `id` and `url`. Type-specific fields appear only for their type."
        ),
        "type": "object",
        "required": ["id", "url", *(f.name for f in record_fields(None)), "links"],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "integer"},
            "url": {"type": "string", "format": "uri"},
            **{f.name: _field_schema(f) for f in FIELDS if f.exported},
            "links": {"type": "array", "items": {"$ref": "#/components/schemas/Link"}},
        },
    },
}

_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_YEARS = {"type": "object", "propertyNames": {"pattern": "^[0-9]{4}$"}}

SCHEMAS["Notifications"] = {
    "type": "object",
    "required": ["total", "page", "notifications"],
    "additionalProperties": False,
    "properties": {
        "total": {"type": "integer"},
        "page": {"type": "integer"},
        "notifications": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "kind", "created_at", "read", "resource_id", "url", "text"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string", "enum": list(NOTIFICATION_KINDS)},
                    "created_at": {"type": "string", "format": "date-time"},
                    "read": {"type": "boolean"},
                    "resource_id": {"type": ["integer", "null"]},
                    "url": {"type": "string"},
                    "text": {"type": "string"},
                },
            },
        },
    },
}

SCHEMAS["Statistics"] = {
    "description": (
        "Counts of published case-law decisions the caller may see (the contributions: "
        "published resources of every type), within the filters."
    ),
    "type": "object",
    "required": [
        "total",
        "by_year",
        "by_year_and_legal_area",
        "outcomes_by_year",
        "sentences_by_offence",
        "exploitation_forms",
        "control_means",
        "victims_nationalities",
        "by_federal_state",
        "cited_norms",
        "contributions_by_organisation",
    ],
    "additionalProperties": False,
    "properties": {
        "total": {"type": "integer", "minimum": 0, "description": "Decisions counted"},
        "by_year": {**_YEARS, **_COUNTS, "description": 'Decisions per year: {"2019": 4}'},
        "by_year_and_legal_area": {
            **_YEARS,
            "additionalProperties": _COUNTS,
            "description": (
                'Per year, decisions by their first legal area (key; "" for none), so a '
                "year's values add up to by_year"
            ),
        },
        "outcomes_by_year": {
            **_YEARS,
            "additionalProperties": {
                "type": "object",
                "required": ["decisions", "compensation_awarded", "residence_granted"],
                "additionalProperties": False,
                "properties": {
                    "decisions": {"type": "integer", "minimum": 0},
                    "compensation_awarded": {"type": "integer", "minimum": 0},
                    "residence_granted": {"type": "integer", "minimum": 0},
                },
            },
        },
        "sentences_by_offence": {
            "type": "object",
            "description": "Highest sentences (months) of criminal decisions by cited StGB section",
            "additionalProperties": {
                "type": "object",
                "required": [
                    "decisions",
                    "median_months",
                    "min_months",
                    "max_months",
                    "suspended",
                ],
                "additionalProperties": False,
                "properties": {
                    "decisions": {"type": "integer", "minimum": 1},
                    "median_months": {"type": "number"},
                    "min_months": {"type": "integer"},
                    "max_months": {"type": "integer"},
                    "suspended": {"type": "integer", "minimum": 0},
                },
            },
        },
        "exploitation_forms": {**_COUNTS, "description": "Decisions per exploitation form key"},
        "control_means": {**_COUNTS, "description": "Decisions per control means key"},
        "victims_nationalities": {**_COUNTS, "description": "Decisions per ISO 3166 code"},
        "by_federal_state": {
            **_COUNTS,
            "description": "Decisions per Land of the court (ISO 3166-2 code without DE-)",
        },
        "cited_norms": {**_COUNTS, "description": "Decisions citing each section or article"},
        "contributions_by_organisation": {
            "type": "object",
            "description": "Published resources per organisation (slug) and type",
            "additionalProperties": {
                "type": "object",
                "required": ["name", "total", *RESOURCE_TYPES],
                "additionalProperties": False,
                "properties": {
                    "name": {"type": "string"},
                    "total": {"type": "integer", "minimum": 0},
                    **{t: {"type": "integer", "minimum": 0} for t in RESOURCE_TYPES},
                },
            },
        },
    },
}

ERRORS = {
    "400": _error("Invalid parameter"),
    "401": _error("No valid token and no session"),
    "429": _error("Rate limit exceeded (per token)"),
}

DOCUMENT = {
    "openapi": "3.1.0",
    "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
    "info": {
        "title": "KOK-Wissensportal API",
        "version": "1.0.0",
        "description": (
            "Read-only access to the knowledge base. Create a personal token on your profile "
            "page (or `flask --app portal create-token EMAIL`) and send it as "
            "`Authorization: Bearer <token>`. Every answer shows only what the token's owner "
            'may see. Errors are `{"error": {"code", "message"}}`.'
        ),
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearerAuth": []}, {"sessionCookie": []}],
    "paths": {
        "/search": {
            "get": {
                "operationId": "search",
                "summary": "Full-text search with filters, facets and snippets",
                "parameters": [
                    _param(
                        "q",
                        'Words, "phrases", prefixes (ver*), file numbers, norms; at most '
                        f"{MAX_QUERY} characters, a case description (mode=describe) at most "
                        f"{MAX_DESCRIPTION}",
                        {"type": "string", "maxLength": MAX_DESCRIPTION},
                    ),
                    _param(
                        "mode",
                        "search: matching words; describe: similar to a description",
                        {"enum": list(MODES), "default": "search"},
                    ),
                    _param(
                        "type", "Resource type", {"enum": list(RESOURCE_TYPES)}, repeatable=True
                    ),
                    _param(
                        "court",
                        "Court (a value of the court facet)",
                        {"type": "string"},
                        repeatable=True,
                    ),
                    _param(
                        "court_level",
                        "Court level (a value of the court_level facet)",
                        {"type": "string"},
                        repeatable=True,
                    ),
                    _param(
                        "legal_area", "Legal area", {"enum": list(LEGAL_AREAS)}, repeatable=True
                    ),
                    _param(
                        "norm",
                        'Cited norm, e.g. "§ 232a StGB" (with the provisions within it) '
                        'or "§ 25 Abs. 4a AufenthG"',
                        {"type": "string"},
                        repeatable=True,
                    ),
                    _param("topic", "Topic", {"type": "string"}, repeatable=True),
                    _param(
                        "organisation",
                        "Owning organisation (its id, as in search results of the portal)",
                        {"type": "string"},
                        repeatable=True,
                    ),
                    _param(
                        "year",
                        "Year of the decision or publication",
                        {"type": "string", "pattern": "^[12][0-9]{3}$"},
                        repeatable=True,
                    ),
                    _param(
                        "date_from",
                        "Earliest date (inclusive)",
                        {"type": "string", "format": "date"},
                    ),
                    _param(
                        "date_to", "Latest date (inclusive)", {"type": "string", "format": "date"}
                    ),
                    _param("language", "Language", {"enum": list(LANGUAGES)}, repeatable=True),
                    *(
                        _param(
                            f.name,
                            f"Case fact: {f.name} (a key, as in records)",
                            {"enum": list(f.choices)},
                            repeatable=True,
                        )
                        for f in FACET_FIELDS
                    ),
                    _param(
                        "status",
                        "Workflow status (default: published); unpublished resources are found "
                        "by their organisation and the office only",
                        {"enum": list(STATUSES)},
                        repeatable=True,
                    ),
                    _param(
                        "sort",
                        "Order of the results",
                        {"enum": list(SORTS), "default": "relevance"},
                    ),
                    _param("page", "Page number", {"type": "integer", "minimum": 1, "default": 1}),
                    _param(
                        "per_page",
                        "Results per page",
                        {
                            "type": "integer",
                            "minimum": 1,
                            "maximum": MAX_PER_PAGE,
                            "default": DEFAULT_PER_PAGE,
                        },
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "One page of results with facet counts",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResult"}
                            }
                        },
                    },
                    **ERRORS,
                },
            }
        },
        "/resources/{id}": {
            "get": {
                "operationId": "getResource",
                "summary": "One resource in the import/export format",
                "parameters": [
                    {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}
                ],
                "responses": {
                    "200": {
                        "description": "The resource",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Resource"}
                            }
                        },
                    },
                    "401": ERRORS["401"],
                    "404": _error("No such resource, or not visible to you"),
                    "429": ERRORS["429"],
                },
            }
        },
        "/statistics": {
            "get": {
                "operationId": "statistics",
                "summary": "The numbers behind every chart of the statistics page",
                "parameters": [
                    _param(
                        "year_from",
                        "First year of decision (inclusive)",
                        {"type": "integer", "minimum": 1900, "maximum": 2100},
                    ),
                    _param(
                        "year_to",
                        "Last year of decision (inclusive)",
                        {"type": "integer", "minimum": 1900, "maximum": 2100},
                    ),
                    _param(
                        "court_level",
                        "Court level",
                        {"enum": list(COURT_LEVELS)},
                        repeatable=True,
                    ),
                    _param(
                        "legal_area", "Legal area", {"enum": list(LEGAL_AREAS)}, repeatable=True
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "Counts of what the caller may see",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Statistics"}
                            }
                        },
                    },
                    **ERRORS,
                },
            }
        },
        "/notifications": {
            "get": {
                "operationId": "notifications",
                "summary": "The token owner's notifications, newest first",
                "parameters": [
                    _param("page", "Page number", {"type": "integer", "minimum": 1, "default": 1}),
                    _param(
                        "limit",
                        "Notifications per page",
                        {"type": "integer", "minimum": 1, "maximum": 100, "default": 50},
                    ),
                ],
                "responses": {
                    "200": {
                        "description": "One page of notifications",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/Notifications"}
                            }
                        },
                    },
                    **ERRORS,
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This description",
                "responses": {"200": {"description": "OpenAPI 3.1 document"}},
            }
        },
    },
    "components": {
        "securitySchemes": {
            "bearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "description": "Personal API token (kok_…), created on the profile page",
            },
            "sessionCookie": {
                "type": "apiKey",
                "in": "cookie",
                "name": "portal_session",
                "description": "A logged-in browser session (read-only use)",
            },
        },
        "schemas": SCHEMAS,
    },
}


def openapi_document() -> dict:
    return deepcopy(DOCUMENT)
