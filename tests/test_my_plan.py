"""Staff record "Plan made" in the chat and the person reads their plan from My requests:
the summary in their language and register, the whole plan, and the PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from sipbot.plan.store import versions
from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.walker import request_through


async def test_plan_made_gives_the_person_their_plan(emu: BotApiEmulator, bot: RunningBot) -> None:
    group = emu.group(staff_group(bot.services, "ostersund"))
    anna = Staff(emu, bot.services, 900, "Anna")
    await anna.enrol("ostersund")
    script, _ = BRANCHES["self"]
    person, request, _ = await request_through(emu, bot, 903, "en", True, script)
    card = await group.wait_for(lambda m: request.reference in (m.text or ""))
    group.press(anna.user, anna.t("staff.button.open"), message_id=card.message_id)
    await anna.user.wait_for(lambda m: anna.t("staff.button.claim") in m.button_texts)
    await anna.presses("staff.button.claim", "staff.done.claim", reference=request.reference)
    await anna.card_with("staff.button.book")
    await anna.presses("staff.button.book", "staff.ask.time")
    await anna.books(request.reference, "3/12 10:00", 60, "home", None)
    assert versions(bot.services.engine, request.id) == []  # type: ignore[arg-type]

    # The meeting agreed the plan: "Plan made", the main responsible, the follow-up.
    await anna.card_with("staff.button.plan_made")
    await anna.presses("staff.button.plan_made", "staff.ask.responsible")
    await anna.types("Karin Ek", "staff.ask.time")
    await anna.books(request.reference, "2027-03-01 10.00", 60, "video", "https://meet.example/x")
    (version,) = versions(bot.services.engine, request.id)  # type: ignore[arg-type]
    assert [g.text for g in version.content.goals] == script["subgoals"]
    assert version.content.main is not None
    assert (version.content.main.actor, version.content.main.name) == ("psykiatri", "Karin Ek")
    assert version.content.followup.at is not None

    # The person finds it under My requests, in English, easy to read.
    t = person.t
    await person.says("/start", then="menu.text")
    await person.presses("menu.requests", "requests.list")
    person.user.press(t("requests.show", reference=request.reference))
    await person.user.wait_for(lambda m: t("requests.plan") in m.button_texts)
    person.user.press(t("requests.plan"))
    summary = await person.user.wait_for(lambda m: t("requests.plan_full") in m.button_texts)
    text = summary.text or ""
    assert text.startswith(t("plan.title")) and t("plan.title") == "Your plan (SIP)"
    assert t("plan.summary.goals") in text and script["main_goal"] in text
    assert all(f"• {g}" in text for g in script["subgoals"])
    assert t("plan.summary.followup") in text
    assert t.datetime(version.content.followup.at) in text
    assert "Karin Ek" in text
    # The whole plan, with the guide's parts in the person's words.
    person.user.press(t("requests.plan_full"), message_id=summary.message_id)
    whole = await person.user.wait_for(lambda m: t("plan.long_goal") in (m.text or ""))
    assert t("plan.situation") in (whole.text or "") and script["problems"] in (whole.text or "")
    # The PDF, in their language.
    person.user.press(t("requests.plan_pdf"), message_id=whole.message_id)
    pdf = await person.user.wait_for(lambda m: m.document is not None)
    assert pdf.document is not None and pdf.document.file_name == f"{request.reference}-1.pdf"
    pages = PdfReader(io.BytesIO(emu.file_bytes(pdf.document.file_id))).pages
    printed = " ".join(page.extract_text() for page in pages)
    assert "Your plan (SIP)" in printed and script["subgoals"][0] in printed
