"""Staff know whom they help and how the person reads: name, language and register on the
card, the name on the private queue line and the PDF, never in the group."""

from __future__ import annotations

import io

from pypdf import PdfReader

from sipbot.playground.emulator import BotApiEmulator
from tests.conftest import RunningBot, staff_group
from tests.scripts import BRANCHES
from tests.staff_story import Staff
from tests.walker import request_through


async def _card_and_pdf(emu: BotApiEmulator, anna: Staff, request_id: int) -> tuple[str, str]:
    anna.user.press_data(anna.user.last.message_id, f"S:o:{request_id}")  # type: ignore[union-attr]
    await anna.user.until(lambda: anna.t("staff.button.pdf") in anna.user.last.button_texts)  # type: ignore[union-attr]
    card = "\n".join(m.text or "" for m in anna.user.messages[-4:])
    anna.press(anna.t("staff.button.pdf"))
    pdf = await anna.user.wait_for(lambda m: m.document is not None)
    assert pdf.document is not None
    pages = PdfReader(io.BytesIO(emu.file_bytes(pdf.document.file_id))).pages
    return card, "\n".join(page.extract_text() for page in pages)


async def test_a_person_asking_for_themselves_is_named_to_staff(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    group = emu.group(staff_group(bot.services, "ostersund"))
    anna = Staff(emu, bot.services, 751, "Anna")
    await anna.enrol("ostersund")
    script, _ = BRANCHES["self"]
    assert script["own_name"] == "Klara Holm"  # asked, since the person asks for themselves
    _, request, _ = await request_through(emu, bot, 752, "en", True, script)
    notice = await group.wait_for(lambda m: request.reference in (m.text or ""))
    assert "Klara Holm" not in (notice.text or "")  # the group notice names nobody
    anna.user.send("/queue")
    queue = await anna.sees("staff.queue.title")
    line = next(x for x in (queue.text or "").splitlines() if request.reference in x)
    assert "Klara Holm" in line
    card, pdf = await _card_and_pdf(emu, anna, request.id)  # type: ignore[arg-type]
    t = anna.t
    assert t("staff.card.person", name="Klara Holm") in card
    reader = t(
        "staff.card.reader", language=t("staff.reader.en"), register=t("staff.reader.easy")
    )
    assert reader in card  # staff write English, easy to read
    assert "Klara Holm" in pdf and t("doc.person") in pdf


async def test_a_relative_names_the_person_and_the_card_says_plain_swedish(
    emu: BotApiEmulator, bot: RunningBot
) -> None:
    anna = Staff(emu, bot.services, 753, "Anna")
    await anna.enrol("berg")
    script, _ = BRANCHES["relative_without_link"]
    _, request, _ = await request_through(emu, bot, 754, "sv", False, script)
    anna.user.send("/queue")
    queue = await anna.sees("staff.queue.title")
    assert "Maj Öberg" in next(x for x in (queue.text or "").splitlines() if request.reference in x)
    card, pdf = await _card_and_pdf(emu, anna, request.id)  # type: ignore[arg-type]
    t = anna.t
    assert t("staff.card.person", name="Maj Öberg") in card
    reader = t(
        "staff.card.reader", language=t("staff.reader.sv"), register=t("staff.reader.plain")
    )
    assert reader in card
    assert "Maj Öberg" in pdf
