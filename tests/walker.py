"""Fill in the whole request as a person would, step by step, from a script of answers.

The walker reads each question the bot sends, finds which step of the flow it is, and answers
it the way a person does: presses the option's button, types the text, adds list items, or
presses Skip. With `poke`, it first sends a sticker and an unknown command to every question
and checks that the bot turns them away and asks the same question again.
"""

from __future__ import annotations

import re
from typing import Any

from sqlmodel import select

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest
from sipbot.deployment import ACTOR_LABELS
from sipbot.flows import engine
from sipbot.flows.model import Flow, Step
from sipbot.playground.emulator import BotApiEmulator, BotMessage
from tests.conftest import RunningBot
from tests.story import Person

Script = dict[str, Any]


def _starts_with(template: str, text: str) -> bool:
    """Does `text` begin with the catalog template, any {placeholder} standing for any text?"""
    parts = re.split(r"\{[^{}]*\}", template)
    return re.match(".*?".join(re.escape(p) for p in parts), text, re.S) is not None


class Walker:
    def __init__(self, person: Person, flow_id: str = "sip_request") -> None:
        self.p = person
        self.flow: Flow = person.services.flows[flow_id]
        self.seen: dict[str, int] = {}  # step id -> questions of that step answered so far
        self.script: Script = {}

    def label(self, step: Step, option: str) -> str:
        t = self.p.t
        if step.options_from == "municipalities":
            return self.p.services.deployment.municipality(option).name
        if option in ACTOR_LABELS and step.options_from in ("actors", "chosen_actors"):
            return t(ACTOR_LABELS[option])
        opt = next(o for o in (*step.options, *step.extra_options) if o.id == option)
        msgid, values = engine.wording(self.flow, self.script, opt.label, opt.label_on_behalf)
        return t(msgid, **values)

    def step_of(self, msg: BotMessage) -> Step | None:
        if msg.edited or not msg.text:
            return None
        t = self.p.t
        for step in self.flow.steps:
            asks = [step.ask, *step.ask_by_option.values()]
            asks += [step.ask_on_behalf] if step.ask_on_behalf else []
            if any(_starts_with(t(a), msg.text) for a in asks):
                return step
        return None

    async def question(self) -> tuple[Step, BotMessage]:
        found: list[Step] = []

        def match(m: BotMessage) -> bool:
            step = self.step_of(m)
            if step is not None:
                found.append(step)
            return step is not None

        msg = await self.p.user.wait_for(match)
        return found[-1], msg

    async def fill(self, script: Script, *, poke: bool = False) -> BotMessage:
        """Answer every question from the script, starting with the one on screen now.

        Returns the first message of the review.
        """
        self.script = script
        on_screen = self.p.user.last
        while True:
            first = on_screen and self.step_of(on_screen)
            if on_screen is not None and first:
                step, msg, on_screen = first, on_screen, None
            else:
                step, msg = await self.question()
            if step.kind == "review":
                return msg
            assert step.id in script, f"asked {step.id}, which the script does not answer"
            n = self.seen.get(step.id, 0)
            if poke and n == 0:
                await self._poke(step)
            self.seen[step.id] = n + 1
            await self._answer(step, script[step.id], n)

    async def _poke(self, step: Step) -> None:
        u = self.p.user
        u.send_sticker()
        again, _ = await self.question()
        assert again.id == step.id, f"a sticker at {step.id} moved the flow to {again.id}"
        u.send("/nonsense")
        await self.p.sees("input.unknown_command")
        again, _ = await self.question()
        assert again.id == step.id

    async def _answer(self, step: Step, value: Any, n: int) -> None:
        u, t = self.p.user, self.p.t
        if step.kind == "info":
            u.press(t("button.next"))
        elif step.kind == "choice":
            u.press(t("button.skip") if value is None else self.label(step, value))
        elif step.kind == "multi":
            for option in value or []:
                u.press("▫️ " + self.label(step, option))
                await u.until(
                    lambda o=option: ("✅ " + self.label(step, o)) in (u.last.button_texts)  # type: ignore[union-attr]
                )
            u.press(t("button.done"))
        elif step.kind == "list":
            items = value or []
            if n < len(items):
                u.send(items[n])
                await self.p.sees("input.added")
            else:
                u.press(t("button.done"))
        elif step.kind == "each":
            item = self._items(step)[n]
            text = (value or {}).get(item)
            if text is None:
                u.press(t("button.skip"))
            else:
                u.send(text)
        elif value is None:
            u.press(t("button.skip"))
        elif isinstance(value, dict) and "voice" in value:  # a spoken answer to a text step
            u.send_voice(duration=value["duration"])
        else:
            u.send(value)

    def _items(self, step: Step) -> list[str]:
        return list(self.script[step.for_each or ""])  # asked in the order they were chosen


def stored(script: Script) -> Script:
    """What the request should hold for a script (today: exactly what was typed or chosen)."""
    return dict(script)


def without_phone(script: Script) -> Script:
    return {k: v for k, v in script.items() if not (k == "phone" and v is None)}


async def request_through(
    emu: BotApiEmulator, bot: RunningBot, user_id: int, lang: str, easy: bool, script: Script
) -> tuple[Person, SipRequest, str]:
    """A new person onboards, fills in the script and sends it; returns them and the row."""
    p = Person(emu.user(user_id, language_code=lang), bot.services, lang, easy)
    await p.onboard()
    walker = Walker(p)
    review = await walker.fill(without_phone(script))
    assert p.t(f"review.consent.{script['role']}").split("{")[0] in review.text
    p.user.press(p.t("button.send"))
    receipt = await p.sees("receipt.text")
    with session_scope(bot.services.engine) as s:
        request = s.exec(select(SipRequest).where(SipRequest.telegram_id == user_id)).one()
    return p, request, receipt.text or ""
