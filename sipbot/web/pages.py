"""Pages everyone may open: the start, signing in from Telegram, the accessibility statement."""

from __future__ import annotations

import asyncio
import logging

from aiohttp import web

from sipbot.staff.members import member
from sipbot.web.initdata import BadInitData, verify
from sipbot.web.server import PRE_COOKIE, WEB, new_pre_token

log = logging.getLogger(__name__)
# Where a session may go after sign-in: our own pages only, never an address from outside.
NEXT_PAGES = ("/", "/desk")


async def home(request: web.Request) -> web.StreamResponse:
    w = request.app[WEB]
    session = w.session(request)
    found = session and await asyncio.to_thread(member, w.services.engine, session.user_id)
    if found is not None:
        raise web.HTTPSeeOther("/desk")
    return await w.page(request, "home.html")


async def enter(request: web.Request) -> web.StreamResponse:
    """The page a Telegram button opens: a script hands Telegram's initData to the form.

    Telegram puts initData in the address's fragment, which never reaches a server; so the
    page posts it. The form's token is matched with a cookie set here (no session yet)."""
    w = request.app[WEB]
    token = new_pre_token()
    target = request.query.get("next", "/")
    response = await w.page(
        request, "enter.html", pre_csrf=token, next=target if target in NEXT_PAGES else "/"
    )
    w.set_cookie(response, PRE_COOKIE, token)
    return response


async def sign_in(request: web.Request) -> web.StreamResponse:
    w = request.app[WEB]
    form = await request.post()
    settings = w.services.settings
    try:
        user = verify(
            str(form.get("init_data", "")),
            settings.telegram_token,
            w.services.clock(),
            settings.web_initdata_max_age,
        )
    except BadInitData as exc:
        log.info("web.sign_in_refused reason=%s", exc.reason)
        return await w.refuse(request, 403)
    # A new session id at every sign-in: an id planted before cannot be taken over.
    w.sessions.close(request.cookies.get(w.cookie))
    cookie, _ = w.sessions.open(user.id, user.language_code)
    log.info("web.signed_in user=%s", user.id)
    target = str(form.get("next", "/"))
    response = web.HTTPSeeOther(target if target in NEXT_PAGES else "/")
    w.set_cookie(response, w.cookie, cookie)
    response.del_cookie(PRE_COOKIE, path="/")
    raise response


async def sign_out(request: web.Request) -> web.StreamResponse:
    w = request.app[WEB]
    w.sessions.close(request.cookies.get(w.cookie))
    response = web.HTTPSeeOther("/")
    response.del_cookie(w.cookie, path="/")
    raise response


async def accessibility(request: web.Request) -> web.StreamResponse:
    w = request.app[WEB]
    return await w.page(
        request, "accessibility.html", contact=w.services.deployment.accessibility_contact
    )


def add_routes(app: web.Application) -> None:
    app.router.add_get("/", home)
    app.router.add_get("/enter", enter)
    app.router.add_post("/enter", sign_in)
    app.router.add_post("/leave", sign_out)
    app.router.add_get("/accessibility", accessibility)
