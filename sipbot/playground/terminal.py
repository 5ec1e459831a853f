"""Chat with the bot from a terminal (or a script) through the Bot API emulator.

This is a developer tool, so its own texts are English and not localised.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Awaitable, Callable
from typing import TextIO

from sipbot.playground.emulator import BotApiEmulator, BotMessage, FakeUser

__all__ = ["HELP", "format_message", "run_terminal"]

HELP = """\
Type a message and press Enter to send it. Commands:
  N               press button N of the latest message with buttons (else sent as text)
  :press N|Label  press a button by number or exact label
  :text ...       send the rest literally (e.g. ':text 3' sends "3")
  :sticker  :photo  :voice  :file  :location  :contact   send that kind of message
  :help           show this help
  :quit           leave (EOF works too)
Lines starting with # are ignored."""

_INDENT = "     "


def format_message(msg: BotMessage) -> str:
    """Render one bot output event as terminal lines."""
    prefix = "bot (edited)> " if msg.edited else "bot> "
    lines = msg.body.splitlines() or [""]
    # Continuation lines are indented under the prefix so multi-line texts stay readable.
    out = [prefix + lines[0], *(" " * len(prefix) + line for line in lines[1:])]
    if msg.buttons:
        out.append(_INDENT + "  ".join(f"[{i}] {t}" for i, t in enumerate(msg.button_texts, 1)))
    if keyboard := [t for row in msg.reply_keyboard for t in row]:
        out.append(_INDENT + "keyboard: " + "  ".join(f"<{t}>" for t in keyboard))
    return "\n".join(out)


class _Session:
    def __init__(self, emu: BotApiEmulator, user: FakeUser, out: TextIO) -> None:
        self.emu = emu
        self.user = user
        self.out = out
        self._answers_seen = len(user.callback_answers)

    def write(self, text: str) -> None:
        self.out.write(text + "\n")
        self.out.flush()

    def flush(self) -> None:
        """Print every bot event and callback answer not shown yet."""
        for msg in self.user.drain():
            self.write(format_message(msg))
        answers = self.user.callback_answers
        for answer in answers[self._answers_seen :]:
            if answer.text:
                kind = "alert" if answer.show_alert else "toast"
                self.write(f"bot ({kind})> {answer.text}")
        self._answers_seen = len(answers)

    def act(self, line: str) -> bool:
        """Perform one input line; False means the session should end."""
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            return True
        command, _, arg = stripped.partition(" ")
        arg = arg.strip()
        try:
            return self._act(stripped, command.lower(), arg)
        except (LookupError, ValueError) as err:
            self.write(f"! {err}")
            return True

    def _act(self, stripped: str, command: str, arg: str) -> bool:
        user = self.user
        if command in (":quit", ":q", ":exit"):
            return False
        if command == ":help":
            self.write(HELP)
        elif command == ":press":
            if not arg:
                raise ValueError("usage: :press N or :press Label")
            user.press(int(arg) if arg.isdigit() else arg)
        elif command == ":text":
            if not arg:
                raise ValueError("usage: :text MESSAGE")
            user.send(arg)
        elif command == ":sticker":
            user.send_sticker()
        elif command == ":photo":
            user.send_photo()
        elif command == ":voice":
            user.send_voice()
        elif command in (":file", ":document"):
            user.send_document(name=arg or "document.pdf")
        elif command == ":location":
            user.send_location()
        elif command == ":contact":
            user.send_contact()
        elif stripped.isdigit() and self._has_buttons():
            user.press(int(stripped))
        elif command.startswith(":") and command[1:].isalpha():
            raise ValueError(f"unknown command {command}; type :help")
        else:
            user.send(stripped)
        return True

    def _has_buttons(self) -> bool:
        return any(m.buttons for m in self.user.messages)


async def _stdin_line() -> str | None:
    try:
        return await asyncio.to_thread(input)
    except EOFError:
        return None


async def run_terminal(
    emu: BotApiEmulator,
    user: FakeUser,
    *,
    script: list[str] | None = None,
    out: TextIO = sys.stdout,
    read_line: Callable[[], Awaitable[str | None]] | None = None,
    quiet_after: float = 0.4,
    max_wait: float = 10,
    settle: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Chat as ``user`` with whatever bot is polling ``emu``.

    With ``script``, run each line as an action, wait until the bot is quiet for
    ``quiet_after`` seconds (at most ``max_wait``), print what it said, and return at the end.
    Otherwise read lines with ``read_line`` (stdin by default) until ``:quit`` or EOF, printing
    bot messages concurrently as they arrive. ``settle``, when given, replaces the wait for
    silence with a wait for an event (the tests wait for the bot's handlers to finish).
    """

    async def settled() -> None:
        if settle is not None:
            await settle()
        else:
            await user.settle(quiet=quiet_after, max_wait=max_wait)

    session = _Session(emu, user, out)
    if script is not None:
        session.flush()
        for line in script:
            stripped = line.strip()
            if not stripped or stripped.startswith("#"):
                continue
            session.write(f"you> {stripped}")
            if not session.act(line):
                break
            await settled()
            session.flush()
        return

    reader = read_line or _stdin_line

    async def printer() -> None:
        while True:
            session.flush()
            await user.changed()

    session.write(f"Chatting as user {user.user_id}. Type :help for commands, :quit to leave.")
    printing = asyncio.create_task(printer())
    try:
        while True:
            line = await reader()
            if line is None or not session.act(line):
                break
        # Show whatever the bot says in reply to the last input before leaving.
        await settled()
    finally:
        printing.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await printing
        session.flush()
