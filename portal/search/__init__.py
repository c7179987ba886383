"""Full-text search of the knowledge base (the only package that imports whoosh).

Entry points for other packages: ``portal.search.services`` (``search``, ``more_like_this``,
``similar_resources``) and ``portal.search.complete`` (``complete``); ``init_app`` wires the
index into the app.
"""

from pathlib import Path

from flask import Flask


def index_dir(app: Flask) -> Path:
    """``SEARCH_INDEX_DIR`` or ``<instance>/search-index``."""
    configured = app.config.get("SEARCH_INDEX_DIR")
    return Path(configured) if configured else Path(app.instance_path) / "search-index"


def init_app(app: Flask) -> None:
    """Attach the index (opened lazily) and the outbox session hooks."""
    # Imported here: the index modules load whoosh, which `import portal.search` should not.
    from portal.search import outbox
    from portal.search.index import WhooshIndex

    app.config.setdefault("SEARCH_WRITE_TIMEOUT", 30.0)
    app.config.setdefault("SEARCH_CACHE_MB", 64)
    app.config.setdefault("RATELIMIT_SEARCH", "60 per minute")
    app.extensions["search_index"] = WhooshIndex(
        index_dir(app),
        write_timeout=float(app.config["SEARCH_WRITE_TIMEOUT"]),
        postings_budget=int(float(app.config["SEARCH_CACHE_MB"]) * 2**20),
    )
    outbox.register_hooks()
