"""After sending: My requests (status, answers as sent, withdraw) and My data (delete all)."""

from __future__ import annotations

import io

from pypdf import PdfReader
from sqlmodel import select

from sipbot.chat.person.about import PAGES
from sipbot.db.engine import session_scope
from sipbot.db.models import Person as PersonRow
from sipbot.db.models import RequestEvent, SipRequest, UserData
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.story import Person
from tests.walker import request_through


async def test_what_is_a_sip_pages_one_idea_each_then_ask(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    p = Person(emu.user(400, language_code="sv"), bot.services, "sv", easy=True)
    await p.onboard()
    await p.says("/cancel", then="cancel.ask")
    await p.presses("cancel.yes", "menu.text")
    for i, page in enumerate(PAGES):
        if i == 0:
            p.user.press(p.t("menu.about"))
        else:
            p.user.press(p.t("button.next"))
        shown = await p.sees(page)
        counter = p.t("about.counter", n=i + 1, total=len(PAGES))
        assert shown.text == f"{p.t(page)}\n\n{counter}"
        assert len(shown.text or "") < 500  # a phone screen, not a wall of text
    # The pages turn in one message, the last one leading on to asking for a SIP.
    assert p.user.last.button_texts == [
        p.t("about.ask_now"),
        p.t("button.back"),
        p.t("button.menu"),
    ]
    await p.presses("about.ask_now", "sip.role.ask")


async def test_request_status_answers_and_withdraw_tell_staff(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    script, _ = BRANCHES["self"]
    group = emu.group(staff_group(bot.services, "ostersund"))
    p, request, _ = await request_through(emu, bot, 401, "sv", False, script)
    await p.says("/start", then="menu.text")
    await p.presses("menu.requests", "requests.list")
    listing = p.user.last
    line = p.t(
        "requests.line",
        reference=request.reference,
        date=p.t.date(request.submitted_at),
        status=p.t("status.new"),
    )
    assert line in (listing.text or "")
    p.user.press(p.t("requests.show", reference=request.reference))
    shown = await p.user.wait_for(lambda m: p.t("requests.withdraw") in m.button_texts)
    assert script["main_goal"] in (shown.text or "")
    assert p.t("status.new") in (shown.text or "")
    assert p.t("consent.given") in (shown.text or "")
    # Their own request as a PDF, as staff would file it.
    p.user.press(p.t("requests.pdf"))
    pdf = await p.user.wait_for(lambda m: m.document is not None)
    assert pdf.document is not None and pdf.document.file_name == f"{request.reference}.pdf"
    pages = PdfReader(io.BytesIO(emu.file_bytes(pdf.document.file_id))).pages
    text = "\n".join(page.extract_text() for page in pages)
    assert request.reference in text and script["main_goal"] in text
    # Withdraw asks first; "no" goes back to the request.
    p.user.press(p.t("requests.withdraw"), message_id=shown.message_id)
    await p.sees("withdraw.ask", reference=request.reference)
    await p.presses("withdraw.no", "requests.answers")
    await p.presses("requests.withdraw", "withdraw.ask", reference=request.reference)
    confirm = p.user.last
    await p.presses("withdraw.yes", "withdraw.done", reference=request.reference)
    staff_t = bot.services.catalogs.texts("sv", False)
    withdrawn = staff_t("staff.notice.withdrawn", reference=request.reference)
    await group.wait_for(lambda m: m.text == withdrawn)
    # Pressing Yes again on the old confirmation changes nothing and tells staff nothing new.
    answered = len(p.user.callback_answers)
    p.user.press(p.t("withdraw.yes"), message_id=confirm.message_id)
    await p.user.until(lambda: len(p.user.callback_answers) > answered)
    assert p.user.callback_answers[-1].text == p.t("input.old_button")
    await p.says("/menu", then="menu.text")
    assert [m.text for m in emu.sent(group.chat_id)].count(withdrawn) == 1
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        events = s.exec(select(RequestEvent).where(RequestEvent.request_id == request.id)).all()
    assert row is not None and (row.status, row.consent) == ("withdrawn", "withdrawn")
    assert row.closed_at == bot.services.clock()
    assert [(e.kind, e.value, e.actor) for e in events] == [
        ("status", "new", "requester"),
        ("consent", "withdrawn", "person"),
        ("status", "withdrawn", "person"),
    ]
    assert p.t("requests.withdraw") not in p.user.last.button_texts


async def test_someone_elses_request_cannot_be_opened_with_a_forged_button(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    script, _ = BRANCHES["self"]
    _, request, _ = await request_through(emu, bot, 402, "sv", False, script)
    other = Person(emu.user(403, language_code="sv"), bot.services)
    await other.onboard()
    screen = other.user.last
    for data in (f"Q:show:{request.id}", f"Q:withdraw:{request.id}", "Q:show:x", "Q:"):
        other.user.press_data(screen.message_id, data)
        await other.sees("requests.none")
    # A forged confirmation was never asked: it is old.
    answered = len(other.user.callback_answers)
    other.user.press_data(screen.message_id, f"Q:withdraw_yes:{request.id}:0")
    await other.user.until(lambda: len(other.user.callback_answers) > answered)
    assert other.user.callback_answers[-1].text == other.t("input.old_button")
    assert all(script["main_goal"] not in (m.text or "") for m in other.user.messages)
    with session_scope(bot.services.engine) as s:
        assert s.get(SipRequest, request.id).status == "new"  # type: ignore[union-attr]


async def test_delete_everything_leaves_a_tombstone_and_tells_staff(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    script, _ = BRANCHES["self"]
    group = emu.group(staff_group(bot.services, "ostersund"))
    p, request, _ = await request_through(emu, bot, 404, "en", True, script)
    # A second, unfinished request: the draft goes too.
    await p.says("/start", then="menu.text")
    await p.presses("menu.ask", "sip.role.ask")
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Klara Holm", then="sip.municipality.ask")
    await p.says("/menu", then="menu.text")
    text = await p.presses(
        "menu.privacy",
        "privacy.text",
        draft_days=p.t.ngettext("count.days", 30, n=30),
        keep_days=p.t.ngettext("count.days", 90, n=90),
    )
    assert text.button_texts == [p.t("privacy.delete"), p.t("button.menu")]
    await p.presses("privacy.delete", "privacy.delete_ask")
    await p.presses(
        "privacy.delete_no",
        "privacy.text",
        draft_days=p.t.ngettext("count.days", 30, n=30),
        keep_days=p.t.ngettext("count.days", 90, n=90),
    )
    await p.presses("privacy.delete", "privacy.delete_ask")
    await p.presses("privacy.delete_yes", "privacy.deleted")
    deleted = bot.services.catalogs.texts("sv", False)(
        "staff.notice.deleted", reference=request.reference
    )
    await group.wait_for(lambda m: m.text == deleted)
    with session_scope(bot.services.engine) as s:
        row = s.get(SipRequest, request.id)
        assert row is not None
        assert (row.answers, row.telegram_id, row.status) == (None, None, "deleted")
        assert (row.reference, row.unit) == (request.reference, "ostersund")  # staff can count it
        assert s.get(PersonRow, 404) is None
        stored = s.get(UserData, 404)
        assert stored is None or set(stored.data) <= {"last_update"}
    assert "flow" not in bot.app.user_data[404]
    # Back to the start: greeted as someone new, and no requests.
    p.easy = False
    await p.says("/start", then="language.ask")
