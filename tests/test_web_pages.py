"""The web pages' foundation: settings, headers, signing in from Telegram, CSRF."""

from __future__ import annotations

import json
from datetime import timedelta
from urllib.parse import parse_qsl, urlencode

import pytest

from sipbot.config import ConfigError, load_settings
from sipbot.services import Services
from sipbot.web.initdata import BadInitData, sign, signed_for_test, verify
from sipbot.web.server import WEB, WebServer, build_web_app
from tests.conftest import FakeClock
from tests.web_story import Visitor, pages_fixture, texts_in, visitor_fixture  # noqa: F401

TOKEN = "1000:test"


# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "says"),
    [
        ("sip.example.se", "must be an absolute address"),
        ("http://sip.example.se", "must start with https://"),
        ("https://sip.example.se/?x=1", "must have no query"),
        ("ftp://sip.example.se", "must be an absolute address"),
    ],
)
def test_a_bad_public_url_is_one_line_naming_it(url: str, says: str, secret_key: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings(require_token=False, secret_key=secret_key, public_url=url)
    assert str(raised.value).startswith(f"SIPBOT_PUBLIC_URL: {says}")
    assert "\n" not in str(raised.value)


def test_a_port_without_a_public_url_is_refused(secret_key: str) -> None:
    with pytest.raises(ConfigError, match=r"^SIPBOT_PUBLIC_URL: missing"):
        load_settings(require_token=False, secret_key=secret_key, web_port=8080)


def test_pages_are_off_unless_a_port_is_set(secret_key: str) -> None:
    settings = load_settings(require_token=False, secret_key=secret_key)
    assert settings.web_port is None
    https = load_settings(
        require_token=False, secret_key=secret_key, web_port=8080, public_url="https://sip.se/"
    )
    assert https.public_url == "https://sip.se"


# -- initData, as Telegram signs it -----------------------------------------------------------


def test_initdata_signed_with_the_bot_token_is_accepted(clock: FakeClock) -> None:
    user = verify(signed_for_test(TOKEN, 77, clock()), TOKEN, clock(), 3600)
    assert user.id == 77


def test_a_known_telegram_vector_is_accepted() -> None:
    """Independent of our own signer: the secret is HMAC_SHA256(key="WebAppData", bot_token),
    the hash HMAC_SHA256(key=secret, data-check-string) in hex; computed here by hand."""
    import hashlib
    import hmac

    fields = {"auth_date": "1700000000", "query_id": "AAE", "user": '{"id":5,"first_name":"A"}'}
    check = 'auth_date=1700000000\nquery_id=AAE\nuser={"id":5,"first_name":"A"}'
    secret = hmac.new(b"WebAppData", TOKEN.encode(), hashlib.sha256).digest()
    digest = hmac.new(secret, check.encode(), hashlib.sha256).hexdigest()
    data = urlencode({**fields, "hash": digest})
    from datetime import UTC, datetime

    assert verify(data, TOKEN, datetime.fromtimestamp(1700000100, UTC), 3600).id == 5


def _tampered(data: str) -> str:
    fields = dict(parse_qsl(data))
    user = json.loads(fields["user"])
    user["id"] = 1  # someone else, with the old hash
    fields["user"] = json.dumps(user)
    return urlencode(fields)


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda now: "", "missing"),
        (lambda now: _tampered(signed_for_test(TOKEN, 77, now)), "bad_hash"),
        (lambda now: signed_for_test("1000:other", 77, now), "bad_hash"),
        (lambda now: signed_for_test(TOKEN, 77, now - timedelta(hours=2)), "expired"),
        (lambda now: sign({"auth_date": str(int(now.timestamp()))}, TOKEN), "no_user"),
        (lambda now: "auth_date=1&auth_date=2&hash=00", "duplicate_field"),
    ],
)
def test_missing_forged_or_expired_initdata_is_refused(
    clock: FakeClock,
    make,
    reason: str,  # type: ignore[no-untyped-def]
) -> None:
    with pytest.raises(BadInitData) as raised:
        verify(make(clock()), TOKEN, clock(), 3600)
    assert raised.value.reason == reason


# -- the server -------------------------------------------------------------------------------


async def test_every_page_carries_a_strict_policy(visitor: Visitor) -> None:
    async with visitor.http.get(visitor.base / "accessibility") as r:
        assert r.status == 200
        csp = r.headers["Content-Security-Policy"]
        body = await r.text()
    assert "default-src 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp and "frame-ancestors 'self' https://web.telegram.org" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "same-origin"
    assert r.headers["Cache-Control"] == "no-store"
    assert "<script>" not in body and "style=" not in body  # nothing inline the policy blocks


async def test_the_accessibility_statement_tells_how_to_report(
    visitor: Visitor, services: Services
) -> None:
    t = services.catalogs.texts("sv", easy=False)
    status, html = await visitor.get("/accessibility")
    assert status == 200
    words = texts_in(html)
    assert t("web.accessibility.title") in words
    assert t("web.accessibility.report_heading") in words
    contact = services.deployment.accessibility_contact
    assert contact and f'href="mailto:{contact}"' in html
    easy = services.catalogs.texts("en", easy=True)
    _, html = await visitor.get("/accessibility", lang="en", easy="1")
    assert easy("web.accessibility.title") in texts_in(html) and 'lang="en"' in html


async def test_signing_in_opens_a_session_with_a_safe_cookie(
    visitor: Visitor, services: Services
) -> None:
    await visitor.get("/enter")
    data = signed_for_test(TOKEN, 77, services.clock())
    response = await visitor.post(
        "/enter", {"csrf": visitor.csrf(), "next": "/", "init_data": data}, follow=False
    )
    assert response.status == 303
    cookie = response.cookies["sipbot_session"]
    assert cookie["httponly"] and cookie["samesite"] == "Lax" and cookie["path"] == "/"
    status, html = await visitor.get("/")
    t = services.catalogs.texts("sv", easy=False)
    assert status == 200 and t("web.home.signed_in") in texts_in(html)


async def test_cookies_are_secure_and_host_bound_off_this_machine(services: Services) -> None:
    from aiohttp.test_utils import TestClient, TestServer

    services.settings = services.settings.model_copy(
        update={"web_port": 8443, "public_url": "https://sip.example.se"}
    )
    async with TestClient(TestServer(build_web_app(services))) as client:
        page = await client.get("/enter")
        assert "max-age=31536000" in page.headers["Strict-Transport-Security"]
        set_cookie = page.headers["Set-Cookie"]
        assert "Secure" in set_cookie and "HttpOnly" in set_cookie
        html = await page.text()
        token = html.split('name="csrf" value="')[1].split('"')[0]
        data = signed_for_test(TOKEN, 77, services.clock())
        # The test client speaks http, so the browser rule for Secure cookies is not at work;
        # what matters is what the server sets.
        signed = await client.post(
            "/enter",
            data={"csrf": token, "next": "/", "init_data": data},
            allow_redirects=False,
            cookies={"sipbot_pre": token},
        )
        assert signed.status == 303
        assert "__Host-sipbot=" in signed.headers.getall("Set-Cookie")[0]
        assert "Secure" in signed.headers.getall("Set-Cookie")[0]


@pytest.mark.parametrize("how", ["forged", "expired", "missing"])
async def test_the_sign_in_page_refuses_bad_initdata(
    visitor: Visitor, services: Services, clock: FakeClock, how: str
) -> None:
    data = {
        "forged": _tampered(signed_for_test(TOKEN, 77, clock())),
        "expired": signed_for_test(TOKEN, 77, clock() - timedelta(hours=2)),
        "missing": "",
    }[how]
    response = await visitor.signs_in(data)
    assert response.status == 403
    assert "sipbot_session" not in response.cookies
    t = services.catalogs.texts("sv", easy=False)
    assert t("web.error.forbidden") in texts_in(visitor.last)


async def test_the_session_ends_when_left_idle(visitor: Visitor, clock: FakeClock) -> None:
    await visitor.signs_in_as(77)
    status, html = await visitor.get("/")
    assert 'action="/leave"' in html
    clock.advance(seconds=visitor.server.services.settings.web_session_idle + 1)
    status, html = await visitor.get("/")
    assert status == 200 and 'action="/leave"' not in html


@pytest.mark.parametrize("token", [None, "wrong"])
async def test_a_form_without_the_right_token_is_refused(
    visitor: Visitor, token: str | None
) -> None:
    await visitor.signs_in_as(77)
    form = {} if token is None else {"csrf": token}
    response = await visitor.post("/leave", form)
    assert response.status == 403
    _status, html = await visitor.get("/")
    assert 'action="/leave"' in html  # still signed in: the post did nothing


async def test_sign_in_without_the_pages_token_is_refused(
    visitor: Visitor, services: Services
) -> None:
    data = signed_for_test(TOKEN, 77, services.clock())
    response = await visitor.post("/enter", {"init_data": data}, follow=False)
    assert response.status == 403


async def test_a_post_from_another_site_is_refused(visitor: Visitor) -> None:
    await visitor.signs_in_as(77)
    await visitor.get("/")
    async with visitor.http.post(
        visitor.base / "leave",
        data={"csrf": visitor.csrf()},
        headers={"Origin": "https://evil.example"},
    ) as r:
        assert r.status == 403


async def test_try_link_signs_in_the_playground_user(pages: WebServer) -> None:
    from sipbot.web.server import try_link

    link = try_link(pages, 4242)
    assert link.startswith(f"{pages.local_url}/enter#tgWebAppData=")
    from urllib.parse import unquote

    data = unquote(link.split("#tgWebAppData=")[1])
    settings = pages.services.settings
    assert verify(data, settings.telegram_token, pages.services.clock(), 3600).id == 4242


async def test_each_sign_in_gets_a_new_session(visitor: Visitor) -> None:
    """A session id planted before sign-in (session fixation) is never the one used after."""
    await visitor.signs_in_as(77)
    first = visitor.http.cookie_jar.filter_cookies(visitor.base)["sipbot_session"].value
    await visitor.signs_in_as(78)
    second = visitor.http.cookie_jar.filter_cookies(visitor.base)["sipbot_session"].value
    assert first != second
    assert visitor.server.app[WEB].sessions.get(first) is None
