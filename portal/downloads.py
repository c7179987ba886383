"""Files the portal hands out (CSV, RIS, PDF, iCalendar, attachments): one response, one safe
Content-Disposition."""

from urllib.parse import quote

from flask import Response


def content_disposition(filename: str) -> str:
    """The Content-Disposition of a download: an ASCII name for old clients (quotes,
    backslashes and control characters replaced) and the real name in RFC 5987 form."""
    fallback = "".join(
        c if c.isascii() and c.isprintable() and c not in '"\\' else "_" for c in filename
    )
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"


def download(body: str | bytes, mimetype: str, filename: str) -> Response:
    """A response that saves `body` as `filename`."""
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": content_disposition(filename)}
    )
