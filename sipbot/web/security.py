"""Headers every page carries: a strict Content-Security-Policy and its companions."""

from __future__ import annotations

from aiohttp import web
from aiohttp.typedefs import Handler

# Only our own scripts, styles and images; no inline script or style, no plugins, forms post
# only here. Telegram Web shows a Mini App in a frame of web.telegram.org: that one ancestor
# is allowed, no other site may frame the pages (clickjacking).
CSP = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self'",
        "connect-src 'self'",
        "form-action 'self'",
        "base-uri 'none'",
        "frame-ancestors 'self' https://web.telegram.org",
    ]
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    # Addresses carry references: never sent to another site. Not "no-referrer": with it a
    # browser sends "Origin: null" on our own forms, and the origin check refuses those.
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}


def security_headers(https: bool):  # type: ignore[no-untyped-def]
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            response = exc
        response.headers.update(HEADERS)
        if https:
            response.headers["Strict-Transport-Security"] = "max-age=31536000"
        if not request.path.startswith("/static/"):
            # Pages may show health data: no copy in any cache, shared or the browser's.
            response.headers["Cache-Control"] = "no-store"
        if isinstance(response, web.HTTPException):
            raise response
        return response

    return middleware
