"""`sipbot staff invite|list|remove` and `sipbot audit`, run through cli.main."""

from __future__ import annotations

import asyncio
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func
from sqlmodel import select

from sipbot import cli
from sipbot.db.engine import make_engine, session_scope
from sipbot.db.migrate import upgrade
from sipbot.db.models import AuditEntry, SipRequest, StaffInvite, StaffMember
from sipbot.playground.emulator import BotApiEmulator
from sipbot.staff import members, work
from sipbot.staff.audit import audit
from tests.conftest import EXAMPLE_DEPLOYMENT, FakeClock

LINK = re.compile(r"^https://t\.me/(\w+)\?start=s_([A-Za-z0-9_-]+)$")


@pytest.fixture
def engine(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    database_url: str,
    secret_key: str,
    clock: FakeClock,
) -> Iterator[Engine]:
    """A migrated database, the environment `sipbot` reads, and the CLI on the test clock."""
    for name in list(os.environ):
        if name.startswith("SIPBOT_"):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)  # no stray .env
    monkeypatch.setenv("SIPBOT_DATABASE_URL", database_url)
    monkeypatch.setenv("SIPBOT_SECRET_KEY", secret_key)
    monkeypatch.setenv("SIPBOT_DEPLOYMENT", str(EXAMPLE_DEPLOYMENT))
    monkeypatch.setattr(cli, "clock", clock)
    built = make_engine(database_url)
    upgrade(built)
    yield built
    built.dispose()


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Exit code, stdout, stderr of `sipbot argv...`."""
    try:
        cli.main(list(argv))
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def fails(capsys: pytest.CaptureFixture[str], *argv: str) -> str:
    """The command exits 2 with one line on stderr and nothing on stdout; returns the line."""
    code, out, err = run(capsys, *argv)
    assert code == 2, (out, err)
    assert out == ""
    assert "Traceback" not in err
    lines = err.splitlines()
    assert len(lines) == 1, err
    return lines[0]


def invite(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[str, str, str]:
    """Run `staff invite`; the bot name, token, and the second line."""
    code, out, err = run(capsys, "staff", "invite", *argv)
    assert code == 0, err
    link, expiry = out.splitlines()
    match = LINK.match(link)
    assert match, link
    return match[1], match[2], expiry


def count(engine: Engine, model: type) -> int:
    with session_scope(engine) as s:
        return int(s.exec(select(func.count()).select_from(model)).one())


def enrol(engine: Engine, clock: FakeClock, telegram_id: int, name: str, unit: str, role: str):
    token = members.create_invite(engine, clock, unit, role)
    found = members.accept_invite(engine, clock, token, telegram_id, name)
    assert isinstance(found, StaffMember)
    return found


def add_request(engine: Engine, reference: str, unit: str, at: datetime) -> int:
    with session_scope(engine) as s:
        request = SipRequest(
            reference=reference,
            telegram_id=4242,
            flow_id="sip_request",
            flow_version=1,
            role="self",
            municipality=unit,
            unit=unit,
            consent="to_confirm",
            status="new",
            language="sv",
            easy=False,
            answers=None,
            submitted_at=at,
            due_at=at + timedelta(days=3),
        )
        s.add(request)
        s.flush()
        assert request.id is not None
        return request.id


# -- staff invite ---------------------------------------------------------------------------------


def test_invite_prints_link_and_expiry_and_the_link_enrols(
    engine: Engine, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    name, token, expiry = invite(
        capsys, "--unit", "krokom", "--role", "admin", "--bot-username", "@sipbot_x_bot"
    )
    assert name == "sipbot_x_bot"  # the @ is dropped
    # 2026-11-23 09:00 UTC is 10:00 in Stockholm; an invite lasts 72 hours.
    assert expiry == (
        "admin invite for krokom (Krokoms kommun – SIP-samordning): works once, "
        "expires 2026-11-26 10:00 (Europe/Stockholm)"
    )
    clock.advance(hours=1)
    found = members.accept_invite(engine, clock, token, 555, "Anna")
    assert isinstance(found, StaffMember)
    assert (found.unit, found.role, found.name) == ("krokom", "admin", "Anna")
    assert members.accept_invite(engine, clock, token, 556, "Bo") == "used"
    with session_scope(engine) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "staff.invite")).one()
    assert (entry.staff_id, entry.detail) == (None, "unit=krokom role=admin")


def test_invite_is_staff_by_default_and_expires_after_72_hours(
    engine: Engine, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _, token, expiry = invite(capsys, "--unit", "are", "--bot-username", "b")
    assert expiry.startswith("staff invite for are (Åre kommun – SIP-samordning)")
    clock.advance(hours=72)
    assert members.accept_invite(engine, clock, token, 555, "Anna") == "expired"


def test_invite_to_unknown_unit_is_one_line_and_creates_nothing(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    line = fails(capsys, "staff", "invite", "--unit", "krokum", "--bot-username", "b")
    assert line == (
        f"sipbot: no unit 'krokum' in {EXAMPLE_DEPLOYMENT}; units: berg, bracke, harjedalen, "
        "krokom, ragunda, stromsund, are, ostersund"
    )
    assert count(engine, StaffInvite) == 0


def test_invite_without_bot_username_needs_the_token(
    engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    line = fails(capsys, "staff", "invite", "--unit", "krokom")
    assert line.startswith("sipbot: SIPBOT_TELEGRAM_TOKEN: missing")
    assert count(engine, StaffInvite) == 0


def test_invite_on_a_database_not_set_up_says_so(
    monkeypatch: pytest.MonkeyPatch,
    engine: Engine,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIPBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
    line = fails(capsys, "staff", "invite", "--unit", "krokom", "--bot-username", "b")
    assert line == "sipbot: database: not set up; run `sipbot db upgrade` first"


async def test_invite_asks_telegram_for_the_bot_name(
    monkeypatch: pytest.MonkeyPatch,
    engine: Engine,
    emu: BotApiEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIPBOT_TELEGRAM_TOKEN", "1000:test")
    monkeypatch.setenv("SIPBOT_TELEGRAM_API_URL", emu.url)
    # The CLI runs its own event loop; the emulator answers on this one.
    code, out, err = await asyncio.to_thread(run, capsys, "staff", "invite", "--unit", "krokom")
    assert code == 0, err
    match = LINK.match(out.splitlines()[0])
    assert match is not None and match[1] == "sipbot_test_bot"
    assert emu.stats.requests["getme"] == 1
    assert count(engine, StaffInvite) == 1


async def test_invite_with_a_refused_token_is_one_line_and_creates_nothing(
    monkeypatch: pytest.MonkeyPatch,
    engine: Engine,
    emu: BotApiEmulator,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("SIPBOT_TELEGRAM_TOKEN", "1000:wrong")
    monkeypatch.setenv("SIPBOT_TELEGRAM_API_URL", emu.url)
    emu.inject("getMe", status=401)
    line = await asyncio.to_thread(fails, capsys, "staff", "invite", "--unit", "krokom")
    assert line.startswith("sipbot: SIPBOT_TELEGRAM_TOKEN: Telegram refused the token")
    assert count(engine, StaffInvite) == 0


def test_invite_when_telegram_cannot_be_reached_is_one_line(
    monkeypatch: pytest.MonkeyPatch, engine: Engine, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SIPBOT_TELEGRAM_TOKEN", "1000:test")
    monkeypatch.setenv("SIPBOT_TELEGRAM_API_URL", "http://127.0.0.1:9")  # discard: nobody there
    line = fails(capsys, "staff", "invite", "--unit", "krokom")
    assert line.startswith("sipbot: SIPBOT_TELEGRAM_API_URL: could not ask http://127.0.0.1:9")
    assert line.endswith("; pass --bot-username")
    assert "1000:test" not in line
    assert count(engine, StaffInvite) == 0


# -- staff list and remove ------------------------------------------------------------------------


def test_list_and_remove(
    engine: Engine, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(capsys, "staff", "list") == (0, "no staff\n", "")
    enrol(engine, clock, 1001, "Örjan", "ostersund", "staff")
    clock.advance(days=1, minutes=30)  # 2026-11-24 10:30 local
    enrol(engine, clock, 7, "Anna", "krokom", "admin")
    enrol(engine, clock, 1000002, "Bo", "krokom", "staff")

    assert run(capsys, "staff", "list") == (
        0,
        "telegram_id  unit       role   name   since (Europe/Stockholm)\n"
        "7            krokom     admin  Anna   2026-11-24 10:30\n"
        "1000002      krokom     staff  Bo     2026-11-24 10:30\n"
        "1001         ostersund  staff  Örjan  2026-11-23 10:00\n",
        "",
    )
    assert run(capsys, "staff", "list", "--unit", "krokom") == (
        0,
        "telegram_id  unit    role   name  since (Europe/Stockholm)\n"
        "7            krokom  admin  Anna  2026-11-24 10:30\n"
        "1000002      krokom  staff  Bo    2026-11-24 10:30\n",
        "",
    )
    assert run(capsys, "staff", "list", "--unit", "berg") == (0, "no staff in berg\n", "")
    assert fails(capsys, "staff", "list", "--unit", "nope").startswith("sipbot: no unit 'nope'")

    assert run(capsys, "staff", "remove", "1000002") == (
        0,
        "removed 1000002 (Bo, krokom staff)\n",
        "",
    )
    assert members.member(engine, 1000002) is None
    assert run(capsys, "staff", "list", "--unit", "krokom") == (
        0,
        "telegram_id  unit    role   name  since (Europe/Stockholm)\n"
        "7            krokom  admin  Anna  2026-11-24 10:30\n",
        "",
    )
    assert fails(capsys, "staff", "remove", "1000002") == (
        "sipbot: no active staff member with telegram id 1000002"
    )
    assert fails(capsys, "staff", "remove", "99") == (
        "sipbot: no active staff member with telegram id 99"
    )
    with session_scope(engine) as s:
        removals = s.exec(select(AuditEntry).where(AuditEntry.action == "staff.remove")).all()
    assert [(e.staff_id, e.detail) for e in removals] == [(None, "staff=1000002 unit=krokom")]


def test_remove_warns_of_open_requests_still_assigned(
    engine: Engine, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    anna = enrol(engine, clock, 7, "Anna", "krokom", "staff")
    for i, ref in enumerate(("SIP-AAAA", "SIP-BBBB", "SIP-CCCC")):
        request_id = add_request(engine, ref, "krokom", clock())
        work.claim(engine, clock, anna, request_id)
        if i == 2:  # an ended request does not count
            with session_scope(engine) as s:
                request = s.get(SipRequest, request_id)
                assert request is not None
                request.status = "closed"
                s.add(request)
    assert run(capsys, "staff", "remove", "7") == (
        0,
        "removed 7 (Anna, krokom staff)\n"
        "2 open request(s) they held are back in the unit's queue\n"
        "note: no SIPBOT_TELEGRAM_TOKEN, so the unit was not told; tell them yourself\n",
        "",
    )


# -- audit ----------------------------------------------------------------------------------------


def test_audit_of_a_request_and_of_a_staff_member(
    engine: Engine, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    _, token, _ = invite(capsys, "--unit", "krokom", "--bot-username", "b")  # 10:00 local
    clock.advance(minutes=1)
    anna = members.accept_invite(engine, clock, token, 777, "Anna")  # 10:01
    assert isinstance(anna, StaffMember)
    request_id = add_request(engine, "SIP-AB23", "krokom", clock())
    other_id = add_request(engine, "SIP-ZZ99", "krokom", clock())
    clock.advance(minutes=1)
    work.claim(engine, clock, anna, request_id)  # 10:02
    clock.advance(minutes=1, seconds=5)
    work.view(engine, clock, anna, request_id)  # 10:03:05
    clock.advance(minutes=1)
    work.confirm_consent(engine, clock, anna, request_id, "spoken", date(2026, 11, 23))
    work.view(engine, clock, anna, other_id)  # another request: not in the first listing
    with session_scope(engine) as s:  # someone not (or no longer) in staff_member
        audit(s, clock(), 31337, "view", request_id)
    before = count(engine, AuditEntry)

    assert run(capsys, "audit", "--request", " sip-ab23 ") == (
        0,
        "time (Europe/Stockholm)  staff     action   request   detail\n"
        "2026-11-23 10:02:00      777 Anna  claim    SIP-AB23\n"
        "2026-11-23 10:03:05      777 Anna  view     SIP-AB23\n"
        "2026-11-23 10:04:05      777 Anna  consent  SIP-AB23  how=spoken date=2026-11-23\n"
        "2026-11-23 10:04:05      31337     view     SIP-AB23\n",
        "",
    )
    assert run(capsys, "staff", "remove", "777")[0] == 0  # a removed member keeps their name
    assert run(capsys, "audit", "--staff", "777") == (
        0,
        "time (Europe/Stockholm)  staff     action       request   detail\n"
        "2026-11-23 10:01:00      777 Anna  staff.enrol            unit=krokom role=staff\n"
        "2026-11-23 10:02:00      777 Anna  claim        SIP-AB23\n"
        "2026-11-23 10:03:05      777 Anna  view         SIP-AB23\n"
        "2026-11-23 10:04:05      777 Anna  consent      SIP-AB23  how=spoken date=2026-11-23\n"
        "2026-11-23 10:04:05      777 Anna  view         SIP-ZZ99\n",
        "",
    )
    # Reading the log writes nothing to it (the new entries: the removal, and the request
    # she held going back to the queue).
    assert count(engine, AuditEntry) == before + 2
    assert run(capsys, "audit", "--staff", "12345") == (0, "no audit entries\n", "")


def test_audit_shows_cli_entries_and_refuses_unknown_references(
    engine: Engine, clock: FakeClock, capsys: pytest.CaptureFixture[str]
) -> None:
    enrol(engine, clock, 7, "Anna", "krokom", "staff")
    clock.now = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)  # summer time: UTC+2
    assert run(capsys, "staff", "remove", "7")[0] == 0
    with session_scope(engine) as s:
        entry = s.exec(select(AuditEntry).where(AuditEntry.action == "staff.remove")).one()
        assert entry.staff_id is None
    assert fails(capsys, "audit", "--request", "SIP-NONE") == "sipbot: no request SIP-NONE"
    request_id = add_request(engine, "SIP-QQQQ", "krokom", clock())
    with session_scope(engine) as s:
        audit(s, clock(), None, "reminder", request_id, "kind=overdue")
    assert run(capsys, "audit", "--request", "SIP-QQQQ") == (
        0,
        "time (Europe/Stockholm)  staff       action    request   detail\n"
        "2026-07-01 12:00:00      cli/system  reminder  SIP-QQQQ  kind=overdue\n",
        "",
    )
    assert run(capsys, "audit", "--request", "SIP-ZZZZ")[0] == 2
    code, _, err = run(capsys, "audit")  # one of --request / --staff is required
    assert code == 2 and "one of the arguments --request --staff is required" in err
