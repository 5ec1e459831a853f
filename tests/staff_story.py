"""Staff in the tests: enrolled through a real invite link, working through buttons."""

from __future__ import annotations

from sipbot.i18n import Texts
from sipbot.playground.emulator import BotApiEmulator, BotMessage, FakeUser
from sipbot.services import Services
from sipbot.staff.members import INVITE_PREFIX, create_invite
from tests.story import _Keep, template_matches


class Staff:
    def __init__(self, emu: BotApiEmulator, services: Services, user_id: int, name: str) -> None:
        self.user: FakeUser = emu.user(user_id, first_name=name, language_code="sv")
        self.services = services
        self.id = user_id
        self.t: Texts = services.catalogs.texts("sv", easy=False)

    async def enrol(self, unit: str, role: str = "staff") -> None:
        token = create_invite(self.services.engine, self.services.clock, unit, role)
        self.user.send(f"/start {INVITE_PREFIX}{token}")
        # Where new requests will arrive: the unit's group, or this chat when it has none.
        has_group = self.services.deployment.unit(unit).staff_group_chat_id is not None
        await self.sees("staff.enrolled" if has_group else "staff.enrolled_private")

    async def sees(self, msgid: str, n: int | None = None, **values: object) -> BotMessage:
        # Values not given stand for any text, so a test names only what matters to it.
        # A plural entry (a count's text) is read in its form for ``n``.
        text = self.t(msgid) if n is None else self.t.ngettext(msgid, n)
        template = text.format_map(_Keep(values))
        return await self.user.wait_for(lambda m: template_matches(template, m.text or ""))

    def press(self, label: str) -> None:
        """Press the button with this text on the latest message that has one."""
        msg = next(m for m in reversed(self.user.messages) if label in m.button_texts)
        self.user.press(label, message_id=msg.message_id)

    async def presses(self, label_id: str, then: str, **values: object) -> BotMessage:
        self.press(self.t(label_id))
        return await self.sees(then, **values)

    async def types(self, text: str, then: str, **values: object) -> BotMessage:
        self.user.send(text)
        return await self.sees(then, **values)

    async def answered(self, count: int) -> str | None:
        """The text of the next callback answer after `count` earlier ones."""
        await self.user.until(lambda: len(self.user.callback_answers) > count)
        return self.user.callback_answers[count].text

    async def card_with(self, label_id: str) -> None:
        """Open the request card again from the latest message that offers it."""
        await self.presses("staff.button.card", "staff.card.history")
        await self.user.until(lambda: self.t(label_id) in self.user.last.button_texts)  # type: ignore[union-attr]

    async def books(
        self,
        reference: str,
        when: str,
        minutes: int,
        place: str,
        detail: str | None,
        *,
        leave_out: tuple[str, ...] = (),
        add: tuple[str, ...] = (),
        convener: str | None = None,
    ) -> BotMessage:
        """Answer the booking's questions: time, length, place and where exactly, whom to
        invite (`leave_out`: actor labels to untick; `add`: actors the person did not list,
        to tick) and who convenes (None: the unit)."""
        await self.types(when, "staff.ask.length")
        self.press(self.t("staff.length", minutes=minutes))
        await self.sees("staff.ask.place")
        self.press(self.t(f"staff.place.{place}"))
        if detail is not None:
            await self.sees(f"staff.ask.place_{place}")
            self.user.send(detail)
        await self.sees("staff.ask.invitees")
        for label in leave_out:
            self.press("✅ " + label)
            await self.user.wait_for(lambda m, x=label: ("▫️ " + x) in m.button_texts)
        for label in add:
            self.press("▫️ " + label)
            await self.user.wait_for(lambda m, x=label: ("✅ " + x) in m.button_texts)
        self.press(self.t("button.done"))
        await self.sees("staff.ask.convener")
        self.press(convener or self.t("staff.convener.unit"))
        return await self.sees("staff.done.booked", reference=reference)
