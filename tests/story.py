"""A person using the bot through the emulator, in the words the bot's catalogs use."""

from __future__ import annotations

import re

from sipbot.i18n import Texts
from sipbot.playground.emulator import BotMessage, FakeUser
from sipbot.services import Services


class Person:
    def __init__(self, user: FakeUser, services: Services, lang: str = "sv", easy: bool = False):
        self.user = user
        self.services = services
        self.lang = lang
        self.easy = easy

    @property
    def t(self) -> Texts:
        return self.services.catalogs.texts(self.lang, self.easy)

    async def sees(self, msgid: str, n: int | None = None, **values: object) -> BotMessage:
        """Wait for the bot to say this catalog text (the part before any unfilled value)."""
        # Values not given stand for any text, so a test names only what matters to it.
        # A plural entry (a count's text) is read in its form for ``n``.
        text = self.t(msgid) if n is None else self.t.ngettext(msgid, n)
        template = text.format_map(_Keep(values))
        return await self.user.wait_for(lambda m: template_matches(template, m.text or ""))

    async def asked(self, step_ask: str) -> BotMessage:
        return await self.sees(step_ask)

    async def says(self, text: str, then: str) -> BotMessage:
        self.user.send(text)
        return await self.sees(then)

    async def presses(self, label_id: str, then: str, **values: object) -> BotMessage:
        self.user.press(self.t(label_id, **values))
        return await self.sees(then)

    async def onboard(self) -> None:
        """/start as a new user, choose language and register, ask for a SIP."""
        easy, self.easy = self.easy, False  # plain until the register is chosen
        self.user.send("/start")
        await self.sees("language.ask")
        self.user.press(self.services.catalogs.language(self.lang).name)  # "Svenska", "العربية"
        await self.sees("register.ask")
        self.user.press(self.t("register.easy" if easy else "register.plain"))
        self.easy = easy
        # The welcome comes once the register is chosen, in that register.
        await self.sees("start.welcome")
        await self.sees("menu.text")
        await self.presses("menu.ask", "sip.role.ask")


def template_matches(template: str, text: str) -> bool:
    """Does `text` contain the catalog template, any {placeholder} standing for any text?"""
    parts = re.split(r"\{[^{}]*\}", template)
    pattern = ".*?".join(re.escape(p) for p in parts)
    return re.search(pattern, text, re.S) is not None


class _Keep(dict):  # type: ignore[type-arg]
    """format_map values that leave a placeholder as it is when no value is given."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
