"""URL helpers every package uses: absolute links for mails and feeds, safe redirect targets."""

from urllib.parse import urlsplit

from flask import current_app


def external_url(path: str) -> str:
    """Absolute URL for links in e-mails, built from the configured base, never the Host."""
    return current_app.config["EXTERNAL_BASE_URL"].rstrip("/") + path


def safe_next(target: str | None) -> str | None:
    """Return `target` only if it is a path on this site (no scheme, host or backslash tricks)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if "\\" in target or any(ord(c) < 32 for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target
