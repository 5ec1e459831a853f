"""Staff sign-in outside Telegram through the region's OpenID Connect provider.

A real provider runs as its own process (tests/oidc/provider.py, over HTTP); sipbot's
client is driven through it as a browser would: desk -> provider login -> callback -> desk.
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import pytest_asyncio
from sqlalchemy import text

from sipbot.config import Settings
from sipbot.services import Services
from sipbot.web.oidc import CLOCK_SKEW, link, subject_hash, verified_identity
from sipbot.web.server import WebServer
from tests.conftest import FakeClock
from tests.oidc_story import (
    HSA_ID,
    ID_TOKEN_TTL,
    NAME,
    PNR,
    Idp,
    StaffBrowser,
    idp_pages_fixture,  # noqa: F401
    with_query,
)
from tests.web_story import texts_in

STAFF = 600


@pytest.fixture
def clock() -> FakeClock:
    # The provider stamps its tokens with the machine's time; sipbot's clock starts there
    # and then moves only when a test says so.
    return FakeClock(datetime.now(UTC).replace(microsecond=0))


@pytest_asyncio.fixture
async def anna(
    idp_pages: tuple[Idp, WebServer], services: Services, clock: FakeClock
) -> AsyncIterator[StaffBrowser]:
    from sipbot.staff.members import accept_invite, create_invite

    accept_invite(
        services.engine, clock, create_invite(services.engine, clock, "ostersund"), STAFF, "Anna"
    )
    link(services.engine, services.settings, STAFF, HSA_ID)
    browser = StaffBrowser(idp_pages[1])
    try:
        yield browser
    finally:
        await browser.close()


async def _desk_status(b: StaffBrowser) -> int:
    r = await b.step(str(b.base / "desk"))
    return r.status


async def test_sign_in_through_the_provider_reaches_the_desk(
    anna: StaffBrowser, services: Services
) -> None:
    t = services.catalogs.texts("sv", easy=False)
    status, home = await anna.get("/")
    assert status == 200 and t("web.oidc.sign_in") in texts_in(home)
    assert await _desk_status(anna) == 303  # required: off to the provider first
    await anna.to_provider_login()
    callback = await anna.logs_in()
    r = await anna.returns(callback)
    assert r.status == 303 and r.headers["Location"] == "/desk"
    status, desk = await anna.get("/desk")
    assert status == 200
    # Shown as verified: the name the provider vouched for.
    assert t("web.oidc.verified", name=NAME) in texts_in(desk)


async def test_a_telegram_session_alone_does_not_open_the_desk_when_required(
    anna: StaffBrowser,
) -> None:
    await anna.signs_in_as(STAFF)  # initData from Telegram: the right person, not verified
    assert await _desk_status(anna) == 303


async def test_a_wrong_state_is_refused(
    anna: StaffBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    await anna.to_provider_login()
    callback = await anna.logs_in()
    with caplog.at_level("INFO", logger="sipbot.web.oidc"):
        r = await anna.returns(with_query(callback, state="forged"))
    assert r.status == 403 and "reason=state" in caplog.text
    assert await _desk_status(anna) == 303
    # A forged state spends nothing: the real callback still signs in, once.
    assert (await anna.returns(callback)).status == 303


async def test_a_callback_in_another_browser_is_refused(
    anna: StaffBrowser, idp_pages: tuple[Idp, WebServer]
) -> None:
    await anna.to_provider_login()
    callback = await anna.logs_in()
    other = StaffBrowser(idp_pages[1])
    try:
        assert (await other.returns(callback)).status == 403
        assert await _desk_status(other) == 303
    finally:
        await other.close()


async def test_a_replayed_code_is_refused(
    anna: StaffBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    await anna.to_provider_login()
    callback = await anna.logs_in()
    assert (await anna.returns(callback)).status == 303
    with caplog.at_level("INFO", logger="sipbot.web.oidc"):
        # The same callback again: its state is spent, sipbot does not even ask the provider.
        assert (await anna.returns(callback)).status == 403
    assert "reason=state" in caplog.text
    caplog.clear()
    # A fresh sign-in (a new state for this browser) carrying the old code: the provider
    # refuses the code's second use, and sipbot opens nothing.
    anna.http.cookie_jar.clear()
    await anna.to_provider_login()
    fresh_state = anna.pending_state()
    replay = with_query(callback, state=fresh_state)  # the old code, the new state
    with caplog.at_level("INFO", logger="sipbot.web.oidc"):
        assert (await anna.returns(replay)).status == 403
    assert "reason=token_invalid_grant" in caplog.text
    assert await _desk_status(anna) == 303


async def test_an_expired_id_token_is_refused(
    anna: StaffBrowser, clock: FakeClock, caplog: pytest.LogCaptureFixture
) -> None:
    await anna.to_provider_login()
    callback = await anna.logs_in()
    # sipbot checks `exp` against its own clock: bring it to the machine's time (after the
    # token was issued), then past the token's life and the allowed skew.
    clock.now = datetime.now(UTC)
    clock.advance(seconds=ID_TOKEN_TTL + CLOCK_SKEW + 1)
    with caplog.at_level("INFO", logger="sipbot.web.oidc"):
        assert (await anna.returns(callback)).status == 403
    assert "reason=claims_expired_token_exp" in caplog.text
    assert await _desk_status(anna) == 303


async def test_the_verified_identity_is_stored_encrypted(
    anna: StaffBrowser, services: Services
) -> None:
    await anna.to_provider_login()
    callback = await anna.logs_in()
    assert (await anna.returns(callback)).status == 303
    assert verified_identity(services.engine, STAFF) == {
        "name": NAME,
        "personal_identity_number": PNR,
    }
    with services.engine.connect() as db:
        key, raw = db.execute(text("SELECT subject_hash, verified FROM staff_identity")).one()
    assert key == subject_hash(services.settings, HSA_ID) and HSA_ID not in key
    blob = bytes(raw)
    for plain in (PNR, NAME, "Andersson", HSA_ID):
        assert plain.encode() not in blob
    # Removed from staff: what the provider verified about them goes too.
    from sipbot.staff.members import remove

    assert remove(services.engine, services.clock, STAFF) is not None
    assert verified_identity(services.engine, STAFF) is None
    with services.engine.connect() as db:
        assert db.execute(text("SELECT count(*) FROM staff_identity")).scalar() == 0


def test_the_cli_links_a_staff_member_to_an_identity(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    secret_key: str,
    clock: FakeClock,
    services: Services,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from sipbot import cli
    from sipbot.staff.members import accept_invite, create_invite

    for name in list(os.environ):
        if name.startswith("SIPBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    for name, value in {
        "SIPBOT_DATABASE_URL": database_url,
        "SIPBOT_SECRET_KEY": secret_key,
        "SIPBOT_DEPLOYMENT": str(services.settings.deployment),
        "SIPBOT_OIDC_ISSUER": "https://idp.example.se",
    }.items():
        monkeypatch.setenv(name, value)
    accept_invite(
        services.engine, clock, create_invite(services.engine, clock, "ostersund"), STAFF, "Anna"
    )
    cli.main(["staff", "identity", str(STAFF), HSA_ID])
    assert HSA_ID not in capsys.readouterr().out
    settings = services.settings.model_copy(update={"oidc_issuer": "https://idp.example.se"})
    with services.engine.connect() as db:
        (linked,) = db.execute(
            text("SELECT telegram_id FROM staff_identity WHERE subject_hash = :h"),
            {"h": subject_hash(settings, HSA_ID)},
        ).one()
    assert linked == STAFF
    with pytest.raises(SystemExit):
        cli.main(["staff", "identity", "999", HSA_ID])  # not staff


def test_a_mode_on_needs_the_client_secret(settings: Settings) -> None:
    from sipbot.config import ConfigError, load_settings

    with pytest.raises(ConfigError, match="SIPBOT_OIDC_CLIENT_SECRET"):
        load_settings(
            telegram_token=settings.telegram_token,
            database_url=settings.database_url,
            secret_key=settings.secret_key,
            deployment=settings.deployment,
            oidc_mode="optional",
            oidc_issuer="https://idp.example.se",
            oidc_client_id="sipbot",
        )


async def test_an_answer_naming_another_issuer_is_refused(
    anna: StaffBrowser, caplog: pytest.LogCaptureFixture
) -> None:
    await anna.to_provider_login()
    callback = await anna.logs_in()
    with caplog.at_level("INFO", logger="sipbot.web.oidc"):
        r = await anna.returns(with_query(callback, iss="https://evil.example"))
    assert r.status == 403 and "reason=iss" in caplog.text
    assert await _desk_status(anna) == 303
