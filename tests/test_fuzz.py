"""Odd updates: a seeded fuzz of what people (and clients) send gets a clean answer or a
deliberate silence each, every button press is answered, and nothing crashes a handler."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sipbot.playground.emulator import BotApiEmulator, FakeUser
from tests.conftest import RunningBot, staff_group
from tests.story import Person

PEOPLE = (951, 952, 953, 954)
# Data the code writes, old buttons, and forgeries: superscript and other non-ASCII digits,
# numbers too large for any database integer, trailing newlines, other prefixes.
FORGED = st.sampled_from(
    [
        "M:ask",
        "M:menu",
        "M:bogus",
        "A:3",
        "A:²",
        "A:99999999999999999999999",
        "Q:show:1",
        "Q:show:99999999999999999999999",
        "Q:withdraw_yes:²",
        "Q:list:",
        "N:yes:1",
        "N:yes:١",
        "Y:1",
        "Y:99999999999999999999999",
        "F:0:c:0",
        "F:1:c:²",
        "F:²:c:0",
        "F:1_0:e:1",
        "F:3:t:99999999999999999999",
        "K:y:short",
        "K:y:" + "A" * 24,
        "S:o:1",
        "S:c:99999999999999999999999",
        "S:q:new:²",
        "G:remove:99999999999999999999999",
        "L:sv\n",
        "R:easy",
        "P:delete",
        "X:yes",
        "D:continue",
        "",
        "Z:1",
    ]
)
TEXTS = st.sampled_from(["/start", "/help", "/cancel", "/menu", "/nope", "hej", "Krokom", " "])
ACTION = st.one_of(
    st.tuples(st.just("text"), TEXTS),
    st.tuples(st.just("press"), st.integers(1, 9)),  # a button on the latest message
    st.tuples(st.just("forged"), FORGED),
    st.tuples(st.just("inline"), FORGED),
    st.tuples(st.just("inaccessible"), FORGED),
    st.tuples(st.just("group_text"), TEXTS),
    st.tuples(st.just("group_press"), FORGED),
    st.tuples(st.just("media"), st.sampled_from(["sticker", "photo", "voice", "poll", "old_poll"])),
)
PROGRAM = st.lists(st.tuples(st.sampled_from(PEOPLE), ACTION), min_size=60, max_size=60)


def _programs(count: int) -> list[list[tuple[int, tuple[str, object]]]]:
    """The same ``count`` programs on every run: derandomized, a bounded number."""
    drawn: list[list[tuple[int, tuple[str, object]]]] = []

    @settings(derandomize=True, max_examples=count, deadline=None, database=None)
    @given(PROGRAM)
    def collect(program: list[tuple[int, tuple[str, object]]]) -> None:
        drawn.append(program)

    collect()
    return drawn[:count]


def _act(emu: BotApiEmulator, user: FakeUser, group_id: int, kind: str, arg: object) -> None:
    last = user.messages[-1].message_id if user.messages else None
    if kind == "text":
        user.send(str(arg))
    elif kind == "press" and last is not None:
        buttons = user.messages[-1].flat_buttons
        data = [b.callback_data for b in buttons if b.callback_data]
        if data:
            user.press_data(last, data[(int(arg) - 1) % len(data)])
    elif kind == "forged" and last is not None:
        user.press_data(last, str(arg))
    elif kind == "inline":
        user.press_inline(str(arg))
    elif kind == "inaccessible":
        user.press_inaccessible(last or 1, str(arg))
    elif kind == "group_text":
        emu.group(group_id).send(user, str(arg))
    elif kind == "group_press":
        group = emu.group(group_id)
        message = {"message_id": 1, "chat": dict(group.chat), "date": 1, "text": "card"}
        emu._queue_callback(user, message, str(arg))
    elif kind == "media":
        {
            "sticker": lambda: user.send_sticker(),
            "photo": lambda: user.send_photo(),
            "voice": lambda: user.send_voice(),
            "poll": lambda: user.send_poll("?", ["a", "b"]),
            "old_poll": lambda: user.send_poll("?", ["a", "b"], legacy=True),
        }[str(arg)]()


async def test_odd_updates_get_answers_and_crash_nothing(
    emu: BotApiEmulator, bot: RunningBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    group_id = staff_group(bot.services, "ostersund")
    for program in _programs(3):
        for who, (kind, arg) in program:
            _act(emu, emu.user(who), group_id, kind, arg)
        await emu.confirmed()
        await bot.app.update_queue.join()  # the handlers themselves are done

    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not errors, [(r.name, r.getMessage(), r.exc_info and r.exc_info[0]) for r in errors]
    assert not emu.unanswered_callbacks
    # And a normal person is still answered from the start.
    p = Person(emu.user(959), bot.services)
    await p.onboard()
    await p.presses("sip.role.self", "sip.own_name.ask")
    await p.says("Eva Berg", then="sip.municipality.ask")
