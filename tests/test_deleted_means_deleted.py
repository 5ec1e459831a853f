"""Deleted means deleted: after "Delete everything" or the keep_ended_days purge only the
tombstone (reference, unit, status, dates) is left, in the tables and in the SQLite file and
its write-ahead log."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import text
from sqlmodel import select

from sipbot.citizen.drafts import DraftKeeper
from sipbot.db.engine import session_scope
from sipbot.db.models import ConsentLink, Meeting, Reminder, RequestNote, SipRequest
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import PG_URL, FakeClock, RunningBot
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.story import Person
from tests.walker import request_through

MARK = "ZQXMARK"  # in every text the person or staff write, so a leftover is easy to find


def _script() -> dict:  # type: ignore[type-arg]
    script = dict(BRANCHES["self"][0])
    script.update(
        problems=f"{MARK} sover dåligt",
        main_goal=f"{MARK} klara gymnasiet",
        contacts={"vardcentral": f"{MARK} Anna 070-1", "psykiatri": None, "narstaende": f"{MARK}"},
        phone="+46 70 999 88 77",
    )
    return script


async def _fill_every_place(emu: BotApiEmulator, bot: RunningBot, user_id: int) -> tuple[
    Person, SipRequest
]:
    """A request, a staff message and its text and voice replies, a note and a meeting."""
    anna = Staff(emu, bot.services, user_id + 100, "Anna")
    await anna.enrol("ostersund")
    p, request, _ = await request_through(emu, bot, user_id, "sv", False, _script())
    anna.user.send("/queue")
    await anna.sees("staff.queue.title")
    anna.user.press_data(anna.user.last.message_id, f"S:o:{request.id}")  # type: ignore[union-attr]
    await anna.user.until(lambda: anna.t("staff.button.claim") in anna.user.last.button_texts)  # type: ignore[union-attr]
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    for reply in (f"{MARK} svar", None):
        await anna.card_with("staff.button.message")
        await anna.presses("staff.button.message", "staff.ask.message", limit=2000)
        await anna.types(f"{MARK} från Anna", "staff.done.message", reference=request.reference)
        await p.sees("person.staff_message", reference=request.reference)
        await p.presses("person.reply", "person.reply_ask")
        if reply is None:
            p.user.send_voice(duration=4)
            await p.sees("person.reply_sent")
        else:
            await p.says(reply, then="person.reply_sent")
    await anna.card_with("staff.button.note")
    await anna.presses("staff.button.note", "staff.ask.note", limit=2000)
    await anna.types(f"{MARK} anteckning", "staff.done.note", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "3/12 10:00", 60, "office", f"{MARK} Storgatan 7")
    await p.sees("person.notice.meeting", reference=request.reference)
    return p, request


def _ciphertexts(bot: RunningBot, request_id: int, user_id: int) -> list[bytes]:
    """The stored (encrypted) bytes of everything that must go, read before the deletion."""
    queries = [
        ("SELECT answers FROM sip_request WHERE id = :r", {"r": request_id}),
        ("SELECT body FROM request_note WHERE request_id = :r", {"r": request_id}),
        ("SELECT place_detail FROM meeting WHERE request_id = :r", {"r": request_id}),
        ("SELECT data FROM user_data WHERE user_id = :u", {"u": user_id}),
    ]
    found: list[bytes] = []
    with bot.services.engine.connect() as conn:
        for sql, params in queries:
            found += [bytes(v) for (v,) in conn.execute(text(sql), params) if v is not None]
    return found


def _only_a_tombstone(bot: RunningBot, request_id: int, user_id: int, gone: list[bytes]) -> None:
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request_id)
        assert row is not None and (row.answers, row.telegram_id) == (None, None)
        assert row.reference and row.submitted_at  # the tombstone
        for table in (RequestNote, Meeting, ConsentLink):
            assert not s.exec(select(table).where(table.request_id == request_id)).all()  # type: ignore[attr-defined]
        assert not s.exec(select(Reminder).where(Reminder.chat_id == user_id)).all()
        assert not s.exec(select(Reminder)).all()  # the meeting's staff reminders too
    if PG_URL:
        return
    db = Path(bot.services.engine.url.database or "")
    raw = db.read_bytes() + (Path(f"{db}-wal").read_bytes() if Path(f"{db}-wal").exists() else b"")
    assert MARK.encode() not in raw
    for blob in gone:
        assert blob[13:45] not in raw, "an old encrypted copy is still in the file or its WAL"


async def test_delete_everything_leaves_only_the_tombstone(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p, request = await _fill_every_place(emu, bot, 741)
    gone = _ciphertexts(bot, request.id, 741)  # type: ignore[arg-type]
    assert len(gone) >= 5  # answers, four notes, the meeting's place, the person's data
    await p.says("/menu", then="menu.text")
    await p.presses("menu.privacy", "privacy.text")
    await p.presses("privacy.delete", "privacy.delete_ask")
    await p.presses("privacy.delete_yes", "privacy.deleted")
    _only_a_tombstone(bot, request.id, 741, gone)  # type: ignore[arg-type]


async def test_purge_after_keep_days_leaves_only_the_tombstone(
    emu: BotApiEmulator, bot: RunningBot, clock: FakeClock
) -> None:
    p, request = await _fill_every_place(emu, bot, 742)
    await p.says("/menu", then="menu.text")
    await p.presses("menu.requests", "requests.list")
    await p.presses("requests.show", "requests.answers", reference=request.reference)
    await p.presses("requests.withdraw", "withdraw.ask", reference=request.reference)
    await p.presses("withdraw.yes", "withdraw.done", reference=request.reference)
    gone = [b for b in _ciphertexts(bot, request.id, 742) if b]  # type: ignore[arg-type]
    gone = gone[:-1]  # the person's own settings stay: they still use the bot
    clock.advance(days=bot.services.deployment.keep_ended_days + 1)
    await DraftKeeper(bot.services).sweep(bot.app)
    _only_a_tombstone(bot, request.id, 742, gone)  # type: ignore[arg-type]
