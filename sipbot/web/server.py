"""The aiohttp application and the server that runs it beside the bot, in the same process."""

from __future__ import annotations

import asyncio
import hmac
import logging
import secrets
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

from aiohttp import web
from aiohttp.typedefs import Handler
from jinja2 import Environment

from sipbot.config import LOCAL_HOSTS, ConfigError
from sipbot.i18n import STAFF_LANGUAGE, STAFF_LANGUAGES, Texts
from sipbot.people import preferences
from sipbot.services import Services
from sipbot.web.render import environment, render
from sipbot.web.security import security_headers
from sipbot.web.sessions import SessionStore, WebSession

log = logging.getLogger(__name__)
STATIC = Path(__file__).resolve().parent / "static"
# Before a session exists (the sign-in form) the CSRF token is a cookie matched by the form.
PRE_COOKIE = "sipbot_pre"


@dataclass
class Web:
    """What the handlers share."""

    services: Services
    sessions: SessionStore
    env: Environment
    origin: str  # scheme://host[:port] of SIPBOT_PUBLIC_URL
    secure: bool  # cookies Secure (everywhere but this machine)

    @property
    def cookie(self) -> str:
        # __Host-: the browser keeps it only if Secure, for this host and path / alone.
        return "__Host-sipbot" if self.secure else "sipbot_session"

    def session(self, request: web.Request) -> WebSession | None:
        return request.get(SESSION)

    async def texts(self, request: web.Request, *, staff: bool = False) -> Texts:
        """The reader's words: their chosen language and register, staff always plain."""
        session = self.session(request)
        if session is not None:
            lang, easy = await asyncio.to_thread(
                preferences, self.services.engine, session.user_id, session.language_code
            )
        else:
            lang, easy = request.query.get("lang", "sv"), request.query.get("easy") == "1"
        # The pages so far are the staff desk and the statements: in the staff languages
        # until the person's own pages come (protected mode).
        catalogs = self.services.catalogs
        if lang not in STAFF_LANGUAGES:
            lang = STAFF_LANGUAGE

        return catalogs.texts(lang, easy and not staff)

    async def page(
        self, request: web.Request, name: str, *, status: int = 200, staff: bool = False, **values
    ) -> web.Response:  # type: ignore[no-untyped-def]
        session = self.session(request)
        verified_name = None
        if session is not None and session.verified:
            from sipbot.web.oidc import verified_identity  # only where the sign-in is on

            found = await asyncio.to_thread(
                verified_identity, self.services.engine, session.user_id
            )
            verified_name = (found or {}).get("name")
        return render(
            self.env,
            name,
            await self.texts(request, staff=staff),
            status=status,
            csrf=session.csrf if session else "",
            signed_in=session is not None,
            verified_name=verified_name,
            oidc_sign_in=self.services.settings.oidc_mode != "off",
            region=self.services.deployment.region,
            **values,
        )

    async def refuse(self, request: web.Request, status: int) -> web.Response:
        """403 or 404 as a page that says no more than that."""
        return await self.page(request, "error.html", status=status, code=status)

    def set_cookie(self, response: web.StreamResponse, name: str, value: str) -> None:
        response.set_cookie(
            name, value, path="/", secure=self.secure, httponly=True, samesite="Lax"
        )


WEB = web.AppKey("web", Web)
SESSION = web.RequestKey("session", WebSession | None)


def _session_middleware(w: Web):  # type: ignore[no-untyped-def]
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        request[SESSION] = w.sessions.get(request.cookies.get(w.cookie))
        return await handler(request)

    return middleware


def _csrf_middleware(w: Web):  # type: ignore[no-untyped-def]
    """Every form post carries the session's token (or, before sign-in, the cookie's)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method in ("GET", "HEAD"):
            return await handler(request)
        origin = request.headers.get("Origin")
        if origin is not None and origin != w.origin:
            log.info("web.refused reason=origin")
            return await w.refuse(request, 403)
        form = await request.post()
        given = form.get("csrf")
        session = w.session(request)
        expected = session.csrf if session is not None else request.cookies.get(PRE_COOKIE)
        if not isinstance(given, str) or not expected or not hmac.compare_digest(given, expected):
            log.info("web.refused reason=csrf")
            return await w.refuse(request, 403)
        return await handler(request)

    return middleware


def _errors_middleware(w: Web):  # type: ignore[no-untyped-def]
    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        try:
            return await handler(request)
        except web.HTTPNotFound:
            return await w.refuse(request, 404)
        except web.HTTPForbidden:
            return await w.refuse(request, 403)
        except web.HTTPMethodNotAllowed:
            return await w.refuse(request, 405)
        except web.HTTPException:
            raise  # redirects, and the rest aiohttp answers itself
        except Exception as exc:
            # The kind only: the exception's text may carry what someone typed.
            log.error("web.error kind=%s", type(exc).__name__, exc_info=exc)
            return await w.refuse(request, 500)

    return middleware


def new_pre_token() -> str:
    return secrets.token_urlsafe(32)


def build_web_app(services: Services) -> web.Application:
    from sipbot.web import desk, pages

    public = services.settings.public_url
    parts = urlsplit(public)
    w = Web(
        services,
        SessionStore(services.clock, timedelta(seconds=services.settings.web_session_idle)),
        environment(),
        f"{parts.scheme}://{parts.netloc}",
        secure=parts.hostname not in LOCAL_HOSTS,
    )
    app = web.Application(
        client_max_size=64 * 1024,  # forms only: nothing large is ever posted
        middlewares=[
            security_headers(parts.scheme == "https"),
            _errors_middleware(w),
            _session_middleware(w),
            _csrf_middleware(w),
        ],
    )
    app[WEB] = w
    pages.add_routes(app)
    desk.add_routes(app)
    if services.settings.oidc_mode != "off":
        from sipbot.web import oidc  # its JOSE library only where the sign-in is on

        oidc.install(app, services.settings)
    app.router.add_static("/static/", STATIC, append_version=False)
    return app


class WebServer:
    """The pages on SIPBOT_WEB_HOST:SIPBOT_WEB_PORT (port 0: any free one, for tests)."""

    def __init__(self, services: Services, port: int | None = None) -> None:
        self.services = services
        self.port = services.settings.web_port if port is None else port
        self.app = build_web_app(services)
        self._runner = web.AppRunner(self.app, access_log=None)  # URLs can carry references

    async def start(self) -> None:
        await self._runner.setup()
        host = self.services.settings.web_host
        site = web.TCPSite(self._runner, host, self.port)
        try:
            await site.start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ConfigError(
                f"SIPBOT_WEB_PORT: cannot listen on {host}:{self.port} ({exc.strerror})"
            ) from None
        server = site._server
        if self.port == 0 and server is not None:
            self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        log.info("web.start port=%s", self.port)

    @property
    def local_url(self) -> str:
        return f"http://{self.services.settings.web_host}:{self.port}"

    async def stop(self) -> None:
        await self._runner.cleanup()


def try_link(server: WebServer, user_id: int) -> str:
    """A sign-in address for `sipbot try`: what a Telegram button would open, signed with the
    playground's token, so the pages open as that user with no Telegram."""
    from urllib.parse import quote

    from sipbot.web.initdata import signed_for_test

    settings = server.services.settings
    data = signed_for_test(settings.telegram_token, user_id, server.services.clock())
    return f"{server.local_url}/enter#tgWebAppData={quote(data, safe='')}"
