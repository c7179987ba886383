"""Security headers on every response.

The Content-Security-Policy allows scripts, styles, fonts and frames only from the portal itself
and no inline code; images may also be data: URIs (the QR code of the second factor).
"""

from flask import Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "img-src 'self' data:",
    ]
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "bluetooth",
        "interest-cohort",
        "browsing-topics",
    )
)
# CORS is never offered: the portal and its API are used from its own pages or server-side.
CORS_HEADERS = (
    "Access-Control-Allow-Origin",
    "Access-Control-Allow-Credentials",
    "Access-Control-Allow-Methods",
    "Access-Control-Allow-Headers",
    "Access-Control-Expose-Headers",
)


def set_security_headers(response: Response) -> Response:
    headers = response.headers
    headers["Content-Security-Policy"] = CONTENT_SECURITY_POLICY
    headers["X-Content-Type-Options"] = "nosniff"
    headers["Referrer-Policy"] = "same-origin"
    headers["Permissions-Policy"] = PERMISSIONS_POLICY
    headers["X-Frame-Options"] = "DENY"
    headers["Cross-Origin-Opener-Policy"] = "same-origin"
    headers["Cross-Origin-Resource-Policy"] = "same-origin"
    if current_app.config["HTTPS"]:
        headers["Strict-Transport-Security"] = (
            f"max-age={int(current_app.config['HSTS_MAX_AGE'])}; includeSubDomains"
        )
    if request.endpoint != "static":
        # Pages may show what only their viewer may see: no browser or proxy keeps a copy.
        headers["Cache-Control"] = "no-store"
        headers["Pragma"] = "no-cache"
    for name in CORS_HEADERS:
        headers.pop(name, None)
    headers.pop("Server", None)
    headers.pop("X-Powered-By", None)
    return response
