"""A local Telegram Bot API emulator for tests, benchmarks and the terminal chat.

The real PTB ``Application`` long-polls this server over HTTP exactly as it would talk to
api.telegram.org, so handlers, request encoding, error mapping (RetryAfter, Forbidden, ...) and
rate limiting are exercised end to end without network access.  The user side (``FakeUser``)
queues real update JSON and records what the bot sends back.

Everything runs in the caller's asyncio loop; nothing here sleeps to wait for the bot.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import math
import os
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from html.parser import HTMLParser
from types import TracebackType
from typing import Any, ClassVar, Literal

from aiohttp import web

__all__ = [
    "BotApiEmulator",
    "BotMessage",
    "Button",
    "CallbackAnswer",
    "EmulatorStats",
    "FakeGroup",
    "FakeUser",
    "Fault",
    "FileInfo",
]

JSONDict = dict[str, Any]

# Telegram's documented broadcast limits.
GLOBAL_LIMIT = 30  # messages per second overall
PRIVATE_INTERVAL = 1.0  # one message per second per private chat
GROUP_LIMIT = 20  # messages per minute per group
GROUP_WINDOW = 60.0
MAX_TEXT_LENGTH = 4096
MAX_CALLBACK_DATA = 64

_NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)

# Form/multipart bodies carry every value as a string; PTB JSON-encodes non-string values, so
# these keys are decoded back.  Everything else (text, captions, ids of queries) stays a string.
_JSON_KEYS = frozenset(
    {
        "reply_markup",
        "entities",
        "caption_entities",
        "commands",
        "scope",
        "allowed_updates",
        "reply_parameters",
        "link_preview_options",
    }
)
_INT_KEYS = frozenset(
    {
        "chat_id",
        "message_id",
        "offset",
        "limit",
        "timeout",
        "duration",
        "cache_time",
        "message_thread_id",
        "reply_to_message_id",
    }
)
_BOOL_KEYS = frozenset(
    {
        "show_alert",
        "disable_notification",
        "protect_content",
        "drop_pending_updates",
        "disable_web_page_preview",
        "allow_sending_without_reply",
        "disable_content_type_detection",
    }
)


# --------------------------------------------------------------------------------------------
# Transcript value objects
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Button:
    text: str
    callback_data: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class FileInfo:
    kind: str  # "document" or "voice"
    file_id: str
    file_unique_id: str
    file_size: int
    file_name: str | None = None
    mime_type: str | None = None


@dataclass(frozen=True)
class CallbackAnswer:
    callback_query_id: str
    text: str | None
    show_alert: bool
    url: str | None = None


@dataclass(frozen=True)
class BotMessage:
    """A snapshot of one bot message; ``edited`` is True for the snapshot an edit produced."""

    message_id: int
    chat_id: int
    text: str | None
    buttons: list[list[Button]] = field(default_factory=list)
    document: FileInfo | None = None
    voice: FileInfo | None = None
    caption: str | None = None
    edited: bool = False
    raw: JSONDict = field(default_factory=dict, repr=False, compare=False)

    @property
    def flat_buttons(self) -> list[Button]:
        return [b for row in self.buttons for b in row]

    @property
    def button_texts(self) -> list[str]:
        return [b.text for b in self.flat_buttons]

    @property
    def reply_keyboard(self) -> list[list[str]]:
        """Texts of a ReplyKeyboardMarkup, if the bot sent one."""
        markup = self.raw.get("reply_markup") or {}
        return [[_button_text(b) for b in row] for row in markup.get("keyboard", [])]

    @property
    def body(self) -> str:
        """Text, or caption, or a placeholder for files: handy for assertions and printing."""
        if self.text is not None:
            return self.text
        parts = []
        if self.document is not None:
            parts.append(f"[document: {self.document.file_name}]")
        if self.voice is not None:
            parts.append("[voice]")
        if self.caption:
            parts.append(self.caption)
        return " ".join(parts)

    @classmethod
    def from_raw(cls, raw: JSONDict, *, edited: bool = False) -> BotMessage:
        markup = raw.get("reply_markup") or {}
        buttons = [
            [Button(b["text"], b.get("callback_data"), b.get("url")) for b in row]
            for row in markup.get("inline_keyboard", [])
        ]
        doc = raw.get("document")
        voice = raw.get("voice")
        return cls(
            message_id=raw["message_id"],
            chat_id=raw["chat"]["id"],
            text=raw.get("text"),
            buttons=buttons,
            document=_file_info("document", doc) if doc else None,
            voice=_file_info("voice", voice) if voice else None,
            caption=raw.get("caption"),
            edited=edited,
            raw=raw,
        )


def _button_text(button: Any) -> str:
    return button if isinstance(button, str) else str(button.get("text", ""))


def _file_info(kind: str, obj: JSONDict) -> FileInfo:
    return FileInfo(
        kind=kind,
        file_id=obj["file_id"],
        file_unique_id=obj["file_unique_id"],
        file_size=obj.get("file_size", 0),
        file_name=obj.get("file_name"),
        mime_type=obj.get("mime_type"),
    )


@dataclass
class EmulatorStats:
    sent: int = 0  # messages successfully sent by the bot (send* methods)
    edited: int = 0
    rate_limited: int = 0  # 429 answers, enforced or injected
    errors: Counter[int] = field(default_factory=Counter)  # error answers by status code
    requests: Counter[str] = field(default_factory=Counter)  # calls by method name


# --------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------


# How long a test's wait for the bot gives up: a detector of a bot that will never answer,
# not a speed limit, so it is generous enough for a loaded 2-core machine.
WAIT = float(os.environ.get("SIPBOT_EMULATOR_WAIT", "60"))


class _Signal:
    """Edge-triggered wake-up for any number of waiters, fired from sync code."""

    def __init__(self) -> None:
        self._event = asyncio.Event()

    def fire(self) -> None:
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, timeout: float | None) -> None:
        await asyncio.wait_for(self._event.wait(), timeout)


class ApiError(Exception):
    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after


async def _first(*waits: Any) -> None:
    """Wait until the first of these coroutines is done; cancel the others."""
    tasks = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in tasks:
            task.cancel()


def _utf16_len(text: str) -> int:
    # Telegram measures entity offsets in UTF-16 code units.
    return len(text.encode("utf-16-le")) // 2


def _coerce(key: str, value: Any) -> Any:
    if not isinstance(value, str):
        return value
    if key in _JSON_KEYS:
        try:
            return json.loads(value)
        except ValueError as exc:
            raise ApiError(400, f"Bad Request: can't parse {key} JSON object") from exc
    if key in _INT_KEYS:
        try:
            return int(value)
        except ValueError:
            return value  # e.g. "@channelusername"
    if key in _BOOL_KEYS:
        return value.lower() == "true"
    return value


_HTML_ENTITY_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "code": "code",
    "pre": "pre",
    "a": "text_link",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}


class _TelegramHTML(HTMLParser):
    """Strict enough HTML parse_mode: rejects tags Telegram rejects (e.g. an unescaped ``<``)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.text = ""
        self.entities: list[JSONDict] = []
        self._open: list[tuple[str, int, JSONDict]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in _HTML_ENTITY_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        entity: JSONDict = {"type": _HTML_ENTITY_TAGS[tag]}
        if tag == "a":
            entity["url"] = dict(attrs).get("href") or ""
        self._open.append((tag, _utf16_len(self.text), entity))

    def handle_endtag(self, tag: str) -> None:
        if not self._open or self._open[-1][0] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unexpected end tag "{tag}"')
        _, offset, entity = self._open.pop()
        length = _utf16_len(self.text) - offset
        if length:
            self.entities.append({**entity, "offset": offset, "length": length})

    def handle_data(self, data: str) -> None:
        self.text += data

    def finish(self) -> None:
        self.close()
        if self._open:
            tag = self._open[-1][0]
            raise ApiError(
                400,
                "Bad Request: can't parse entities: Can't find end tag corresponding to "
                f'start tag "{tag}"',
            )
        self.entities.sort(key=lambda e: (e["offset"], -e["length"]))


_MDV2_RESERVED = set("_*[]()~`>#+-=|{}.!")


def _render(
    text: str, parse_mode: str | None, entities: list[JSONDict] | None
) -> tuple[str, list[JSONDict]]:
    """Return the plain text and entities Telegram would store for this text."""
    mode = (parse_mode or "").lower()
    if mode == "html":
        parser = _TelegramHTML()
        parser.feed(text)
        parser.finish()
        return parser.text, parser.entities
    if mode == "markdownv2":
        # Only the validation that catches real bugs: unescaped reserved characters are
        # rejected by Telegram.  Formatting markers are stripped without building entities.
        out: list[str] = []
        chars = iter(enumerate(text))
        for i, ch in chars:
            if ch == "\\":
                nxt = next(chars, None)
                if nxt is not None:
                    out.append(nxt[1])
                continue
            if ch in "*_~|`":
                continue
            if ch in _MDV2_RESERVED and ch not in "[]()":
                raise ApiError(
                    400,
                    f"Bad Request: can't parse entities: Character '{ch}' is reserved and must "
                    f"be escaped with the preceding '\\' (offset {i})",
                )
            out.append(ch)
        return "".join(out), []
    if mode == "markdown":
        return text.replace("*", "").replace("_", "").replace("`", ""), []
    return text, list(entities or [])


def _command_entities(text: str) -> list[JSONDict]:
    if not text.startswith("/"):
        return []
    command = text.split(maxsplit=1)[0]
    return [{"type": "bot_command", "offset": 0, "length": _utf16_len(command)}]


def _check_reply_markup(markup: Any) -> None:
    if not markup:
        return
    if not isinstance(markup, dict):
        raise ApiError(400, "Bad Request: can't parse reply keyboard markup JSON object")
    for row in markup.get("inline_keyboard", []):
        for button in row:
            if not button.get("text"):
                raise ApiError(
                    400, "Bad Request: text buttons are unallowed in the inline keyboard"
                )
            data = button.get("callback_data")
            if data is not None and (not data or len(data.encode()) > MAX_CALLBACK_DATA):
                raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")


# --------------------------------------------------------------------------------------------
# The user side
# --------------------------------------------------------------------------------------------


class ChatView:
    """Transcript of one chat plus awaitable access to the bot's output events."""

    def __init__(self, emu: BotApiEmulator, chat: JSONDict) -> None:
        self.emu = emu
        self.chat = chat
        self.chat_id: int = chat["id"]
        self._raw: dict[int, JSONDict] = {}  # message_id -> latest raw message (bot and user)
        self._bot_ids: list[int] = []  # bot message ids in send order
        self.events: list[BotMessage] = []  # every new message or edit, in order
        self._cursor = 0
        self._signal = _Signal()
        self.last_event_at: float = 0.0  # loop time of the latest bot output
        self.deleted: list[int] = []
        self.chat_actions: list[str] = []
        self.callback_answers: list[CallbackAnswer] = []
        self._message_ids = itertools.count(1)

    # -- transcript ---------------------------------------------------------------------------

    @property
    def messages(self) -> list[BotMessage]:
        """Bot messages in order, each reflecting its latest edit; deleted ones left out."""
        return [
            BotMessage.from_raw(self._raw[mid], edited="edit_date" in self._raw[mid])
            for mid in self._bot_ids
            if mid in self._raw
        ]

    @property
    def last(self) -> BotMessage | None:
        msgs = self.messages
        return msgs[-1] if msgs else None

    def message(self, message_id: int) -> BotMessage:
        raw = self._raw.get(message_id)
        if raw is None or message_id not in self._bot_ids:
            raise KeyError(f"no bot message {message_id} in chat {self.chat_id}")
        return BotMessage.from_raw(raw, edited="edit_date" in raw)

    def transcript(self, last: int = 10) -> str:
        lines = [_format_event(e) for e in self.events[-last:]]
        return "\n".join(lines) if lines else "(no bot messages)"

    # -- waiting ------------------------------------------------------------------------------

    async def next(self, timeout: float = WAIT) -> BotMessage:
        """The next bot output event (new message or edit) not yet consumed."""
        await self._wait_until(lambda: self._cursor < len(self.events), timeout, "a bot message")
        event = self.events[self._cursor]
        self._cursor += 1
        return event

    async def wait(self, n: int, timeout: float = WAIT) -> list[BotMessage]:
        await self._wait_until(
            lambda: len(self.events) - self._cursor >= n, timeout, f"{n} bot messages"
        )
        events = self.events[self._cursor : self._cursor + n]
        self._cursor += n
        return events

    async def wait_for(
        self, predicate: Callable[[BotMessage], bool], timeout: float = WAIT
    ) -> BotMessage:
        """Consume events until one matches ``predicate`` and return it."""
        found: list[BotMessage] = []

        def scan() -> bool:
            while self._cursor < len(self.events):
                event = self.events[self._cursor]
                self._cursor += 1
                if predicate(event):
                    found.append(event)
                    return True
            return False

        await self._wait_until(scan, timeout, "a matching bot message")
        return found[0]

    def drain(self) -> list[BotMessage]:
        events = self.events[self._cursor :]
        self._cursor = len(self.events)
        return events

    async def settle(self, quiet: float = 0.4, max_wait: float = 10) -> None:
        """Wait until the bot has fetched everything and stayed silent for ``quiet`` seconds.

        Used by the terminal script mode; bounded by ``max_wait`` and never raises.
        """
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max_wait
        quiet_since = loop.time()
        while (now := loop.time()) < deadline:
            if self.emu._busy():
                quiet_since = now
            quiet_since = max(quiet_since, self.last_event_at)
            if now - quiet_since >= quiet:
                return
            remaining = min(deadline - now, quiet - (now - quiet_since))
            with contextlib.suppress(TimeoutError):
                await self.emu._activity.wait(max(remaining, 0.005))

    async def changed(self, timeout: float | None = None) -> bool:
        """Wait for any bot output in this chat (event or callback answer); False on timeout."""
        try:
            await self._signal.wait(timeout)
        except TimeoutError:
            return False
        return True

    async def until(
        self, condition: Callable[[], bool], timeout: float = WAIT, what: str = "a condition"
    ) -> None:
        """Wait until ``condition()`` holds, re-checked on bot output; consumes nothing."""
        await self._wait_until(condition, timeout, what)

    async def _wait_until(self, cond: Callable[[], bool], timeout: float, what: str) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not cond():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(
                    f"Timed out after {timeout}s waiting for {what} in chat {self.chat_id}.\n"
                    f"Recent transcript:\n{self.transcript()}"
                )
            with contextlib.suppress(TimeoutError):
                await self._signal.wait(remaining)

    # -- emulator hooks -----------------------------------------------------------------------

    def _new_message_id(self) -> int:
        return next(self._message_ids)

    def _record(self, raw: JSONDict, *, edited: bool) -> BotMessage:
        mid = raw["message_id"]
        self._raw[mid] = raw
        if not edited:
            self._bot_ids.append(mid)
        event = BotMessage.from_raw(raw, edited=edited)
        self.events.append(event)
        self.last_event_at = asyncio.get_running_loop().time()
        self._signal.fire()
        return event

    def _store_user_message(self, raw: JSONDict) -> None:
        self._raw[raw["message_id"]] = raw

    def _find_button(self, label: str | int, message_id: int | None) -> tuple[BotMessage, Button]:
        if message_id is None:
            with_keyboard = [m for m in self.messages if m.buttons]
            if not with_keyboard:
                raise LookupError(
                    f"No bot message with inline buttons in chat {self.chat_id}.\n"
                    f"Recent transcript:\n{self.transcript()}"
                )
            msg = with_keyboard[-1]
        else:
            msg = self.message(message_id)
        flat = msg.flat_buttons
        button: Button | None = None
        if isinstance(label, int):
            if 1 <= label <= len(flat):
                button = flat[label - 1]
        else:
            button = next((b for b in flat if b.text == label), None)
            if button is None and label.isdigit() and 1 <= int(label) <= len(flat):
                button = flat[int(label) - 1]
        if button is None:
            listing = ", ".join(f"[{i}] {b.text!r}" for i, b in enumerate(flat, 1)) or "none"
            raise LookupError(
                f"No button {label!r} on message {msg.message_id} in chat {self.chat_id}. "
                f"Available: {listing}"
            )
        if button.callback_data is None:
            raise LookupError(f"Button {button.text!r} has no callback_data (url={button.url!r})")
        return msg, button


def _format_event(event: BotMessage) -> str:
    prefix = "bot (edited)> " if event.edited else "bot> "
    line = prefix + event.body
    if event.buttons:
        line += "  " + "  ".join(f"[{i}] {t}" for i, t in enumerate(event.button_texts, 1))
    return line


class FakeUser(ChatView):
    """A private chat with one user; methods queue real updates for the bot."""

    def __init__(
        self, emu: BotApiEmulator, user_id: int, first_name: str, language_code: str | None
    ) -> None:
        self.user_id = user_id
        self.first_name = first_name
        self.language_code = language_code
        super().__init__(emu, {"id": user_id, "type": "private", "first_name": first_name})

    @property
    def user_json(self) -> JSONDict:
        data: JSONDict = {"id": self.user_id, "is_bot": False, "first_name": self.first_name}
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def send(self, text: str) -> JSONDict:
        extra: JSONDict = {"text": text}
        if entities := _command_entities(text):
            extra["entities"] = entities
        return self.emu._queue_message(self, self, extra)

    def send_sticker(self, emoji: str = "👍") -> JSONDict:
        fid = self.emu._store_file(b"RIFF-sticker", kind="sticker", name=None, mime="image/webp")
        sticker = {
            "file_id": fid,
            "file_unique_id": self.emu._files[fid].unique_id,
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
            "emoji": emoji,
        }
        return self.emu._queue_message(self, self, {"sticker": sticker})

    def send_photo(
        self, data: bytes = b"\xff\xd8\xff-photo", caption: str | None = None
    ) -> JSONDict:
        fid = self.emu._store_file(data, kind="photo", name=None, mime="image/jpeg")
        size = {
            "file_id": fid,
            "file_unique_id": self.emu._files[fid].unique_id,
            "width": 90,
            "height": 90,
            "file_size": len(data),
        }
        extra: JSONDict = {"photo": [size]}
        if caption is not None:
            extra["caption"] = caption
        return self.emu._queue_message(self, self, extra)

    def send_document(
        self,
        name: str = "x.pdf",
        data: bytes = b"%PDF-1.4 test",
        mime_type: str = "application/pdf",
        caption: str | None = None,
    ) -> JSONDict:
        fid = self.emu._store_file(data, kind="document", name=name, mime=mime_type)
        extra: JSONDict = {"document": self.emu._file_json(fid)}
        if caption is not None:
            extra["caption"] = caption
        return self.emu._queue_message(self, self, extra)

    def send_voice(self, duration: int = 3, data: bytes = b"OggS\x00voice") -> JSONDict:
        fid = self.emu._store_file(data, kind="voice", name=None, mime="audio/ogg")
        voice = {**self.emu._file_json(fid), "duration": duration}
        return self.emu._queue_message(self, self, {"voice": voice})

    def send_location(self, latitude: float = 63.18, longitude: float = 14.64) -> JSONDict:
        location = {"latitude": latitude, "longitude": longitude}
        return self.emu._queue_message(self, self, {"location": location})

    def send_contact(self, phone_number: str = "+46701234567") -> JSONDict:
        contact = {
            "phone_number": phone_number,
            "first_name": self.first_name,
            "user_id": self.user_id,
        }
        return self.emu._queue_message(self, self, {"contact": contact})

    def send_poll(self, question: str, options: list[str], *, legacy: bool = False) -> JSONDict:
        """A poll; ``legacy``: as a self-hosted Bot API server older than 9.6 sends it, without
        the fields PTB now requires (options' persistent_id, allows_revoting, members_only)."""
        new = not legacy
        poll: JSONDict = {
            "id": f"poll-{len(self._raw) + 1}",
            "question": question,
            "options": [
                {"text": text, "voter_count": 0} | ({"persistent_id": str(i)} if new else {})
                for i, text in enumerate(options)
            ],
            "total_voter_count": 0,
            "is_closed": False,
            "is_anonymous": True,
            "type": "regular",
            "allows_multiple_answers": False,
        }
        if new:
            poll |= {"allows_revoting": False, "members_only": False}
        return self.emu._queue_message(self, self, {"poll": poll})

    def press(self, label_or_index: str | int, message_id: int | None = None) -> JSONDict:
        """Press an inline button by exact text or 1-based index (across rows)."""
        msg, button = self._find_button(label_or_index, message_id)
        assert button.callback_data is not None
        return self.press_data(msg.message_id, button.callback_data)

    def press_data(self, message_id: int, data: str) -> JSONDict:
        """Queue a callback query with arbitrary data (forged or replayed buttons)."""
        raw = self._raw.get(message_id)
        if raw is None:
            raise KeyError(f"no message {message_id} in chat {self.chat_id}")
        return self.emu._queue_callback(self, raw, data)

    def press_inaccessible(self, message_id: int, data: str) -> JSONDict:
        """A button on a message the bot can no longer read (deleted): Telegram sends only
        the chat, the id and date 0."""
        inaccessible = {"chat": dict(self.chat), "message_id": message_id, "date": 0}
        return self.emu._queue_callback(self, inaccessible, data)

    def press_inline(self, data: str) -> JSONDict:
        """A button on a message sent in inline mode: no message and no chat, only its id."""
        return self.emu._queue_callback(self, None, data)


class FakeGroup(ChatView):
    """A group chat (negative id); members speak through ``send(user, text)``."""

    def __init__(self, emu: BotApiEmulator, chat_id: int, title: str) -> None:
        super().__init__(emu, {"id": chat_id, "type": "group", "title": title})
        self.title = title

    def send(self, user: FakeUser, text: str) -> JSONDict:
        extra: JSONDict = {"text": text}
        if entities := _command_entities(text):
            extra["entities"] = entities
        return self.emu._queue_message(self, user, extra)

    def press(
        self, user: FakeUser, label_or_index: str | int, message_id: int | None = None
    ) -> JSONDict:
        msg, button = self._find_button(label_or_index, message_id)
        assert button.callback_data is not None
        return self.emu._queue_callback(user, self._raw[msg.message_id], button.callback_data)

    def press_data(self, user: FakeUser, message_id: int, data: str) -> JSONDict:
        """A member presses a button with arbitrary data on a message in this group."""
        return self.emu._queue_callback(user, self._raw[message_id], data)


# --------------------------------------------------------------------------------------------
# The server
# --------------------------------------------------------------------------------------------


@dataclass
class _StoredFile:
    data: bytes
    unique_id: str
    path: str
    kind: str
    name: str | None
    mime: str | None


@dataclass
class Fault:
    """An injected failure; a test can wait until it is hit and release a held call."""

    method: str
    status: int | Literal["hang", "hold", "reset"]
    remaining: int
    chat_id: int | None
    retry_after: int
    hit: asyncio.Event = field(default_factory=asyncio.Event)
    released: asyncio.Event = field(default_factory=asyncio.Event)

    def release(self) -> None:
        """Let a held call go on as if nothing had happened."""
        self.released.set()


class _ConnectionReset(Exception):
    """The connection is dropped without an answer."""


_FAULT_DESCRIPTIONS = {
    400: "Bad Request",
    401: "Unauthorized",
    403: "Forbidden: bot was blocked by the user",
    409: "Conflict: terminated by other getUpdates request",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

_SEND_METHODS = frozenset(
    {
        "sendmessage",
        "senddocument",
        "sendvoice",
        "sendphoto",
        "sendaudio",
        "sendvideo",
        "sendanimation",
        "sendsticker",
        "sendlocation",
        "sendcontact",
        "sendmediagroup",
        "copymessage",
        "forwardmessage",
    }
)


class BotApiEmulator:
    """An aiohttp server speaking the Telegram Bot API for one bot."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        enforce_limits: bool = False,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.host = host
        self.port = port
        self.enforce_limits = enforce_limits
        self.clock = clock
        self.stats = EmulatorStats()
        self._runner: web.AppRunner | None = None
        self._bot_id = 1
        self._update_ids = itertools.count(1)
        self._updates: list[JSONDict] = []  # queued, not yet confirmed via offset
        self._delivered_up_to = 0  # highest update_id handed to the bot
        self._updates_signal = _Signal()
        self._activity = _Signal()  # any request finished or update queued (for settle())
        self._in_flight = 0  # non-getUpdates requests being handled
        self._poll_generation = 0
        self._stopping = asyncio.Event()
        self._chats: dict[int, ChatView] = {}
        self._users: dict[int, FakeUser] = {}
        self._files: dict[str, _StoredFile] = {}
        self._file_ids = itertools.count(1)
        self._callback_ids = itertools.count(1)
        self._open_callbacks: dict[str, int] = {}  # query id -> user id, until answered
        self._commands: dict[tuple[str, str], list[JSONDict]] = {}
        self._faults: list[Fault] = []
        self._blocked: set[int] = set()
        self._global_sends: deque[float] = deque()
        self._private_last: dict[int, float] = {}
        self._group_sends: dict[int, deque[float]] = {}

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application(client_max_size=50 * 1024 * 1024)  # Telegram's upload limit
        app.router.add_route("*", "/bot{token}/{method}", self._handle_api)
        app.router.add_get("/file/bot{token}/{path:.+}", self._handle_file)
        # A short shutdown timeout: hanging handlers are released by _stopping anyway.
        self._runner = web.AppRunner(app, shutdown_timeout=1.0, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        server = site._server
        assert server is not None and server.sockets  # type: ignore[union-attr]
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._stopping.clear()

    async def stop(self) -> None:
        self._stopping.set()
        self._updates_signal.fire()
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> BotApiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def bot_user(self) -> JSONDict:
        return {
            "id": self._bot_id,
            "is_bot": True,
            "first_name": "sipbot",
            "username": "sipbot_test_bot",
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
        }

    # -- test-facing API ----------------------------------------------------------------------

    def user(
        self, user_id: int, *, first_name: str = "Test", language_code: str | None = "sv"
    ) -> FakeUser:
        if user_id <= 0:
            raise ValueError("user ids are positive; use group() for negative chat ids")
        user = self._users.get(user_id)
        if user is None:
            user = FakeUser(self, user_id, first_name, language_code)
            self._users[user_id] = user
            self._chats[user_id] = user
        return user

    def group(self, chat_id: int, title: str = "Test group") -> FakeGroup:
        if chat_id >= 0:
            raise ValueError("group chat ids are negative")
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = FakeGroup(self, chat_id, title)
            self._chats[chat_id] = chat
        assert isinstance(chat, FakeGroup)
        return chat

    def chat(self, chat_id: int) -> ChatView:
        return self._chat_for_send(chat_id)

    def sent(self, chat_id: int) -> list[BotMessage]:
        """Bot messages in any chat (latest versions), e.g. for group notifications."""
        chat = self._chats.get(chat_id)
        return chat.messages if chat is not None else []

    def commands(
        self, language_code: str | None = None, scope: JSONDict | None = None
    ) -> list[JSONDict]:
        return list(self._commands.get(self._commands_key(scope, language_code), []))

    def inject(
        self,
        method: str,
        *,
        status: int | Literal["hang", "hold", "reset"],
        times: int = 1,
        chat_id: int | None = None,
        retry_after: int = 1,
    ) -> Fault:
        """Make the next ``times`` calls of ``method`` fail with ``status``.

        "hang" never answers (until the emulator stops), "hold" waits until the fault is
        released and then goes on normally, "reset" drops the connection without an answer.
        """
        fault = Fault(method.lower(), status, times, chat_id, retry_after)
        self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        self._faults.clear()

    def block(self, chat_id: int) -> None:
        self._blocked.add(chat_id)

    def unblock(self, chat_id: int) -> None:
        self._blocked.discard(chat_id)

    @property
    def pending_updates(self) -> list[JSONDict]:
        return list(self._updates)

    @property
    def unanswered_callbacks(self) -> list[str]:
        """Ids of callback queries the bot has not answered (their buttons still spin)."""
        return list(self._open_callbacks)

    def next_update_id(self, update_id: int) -> None:
        """Number the next updates from ``update_id`` on, lower than before or not.

        Telegram picks the next id at random after a week without updates, and every new
        emulator (each `sipbot try`) starts at 1. Call it between two runs of the bot: a
        running bot's offset would confirm the new, lower ids unseen.
        """
        self._update_ids = itertools.count(update_id)

    def redeliver(self, update: JSONDict) -> None:
        """Queue an update again as it was: what Telegram does with the updates a bot had
        fetched but not confirmed when it died. Call it before the next run of the bot, while
        the ids go on as before (a run of new ids starts after the old ones were confirmed)."""
        self._updates.append(update)
        self._updates_signal.fire()
        self._activity.fire()

    def file_bytes(self, file_id: str) -> bytes:
        return self._files[file_id].data

    # -- update queueing ----------------------------------------------------------------------

    def _queue_update(self, payload: JSONDict) -> JSONDict:
        update = {"update_id": next(self._update_ids), **payload}
        self._updates.append(update)
        self._updates_signal.fire()
        self._activity.fire()
        return update

    def _queue_message(self, chat: ChatView, sender: FakeUser, extra: JSONDict) -> JSONDict:
        message = {
            "message_id": chat._new_message_id(),
            "from": sender.user_json,
            "chat": dict(chat.chat),
            "date": int(time.time()),
            **extra,
        }
        chat._store_user_message(message)
        return self._queue_update({"message": message})

    def _queue_callback(self, user: FakeUser, message: JSONDict | None, data: str) -> JSONDict:
        query_id = str(next(self._callback_ids))
        self._open_callbacks[query_id] = user.user_id
        query: JSONDict = {"id": query_id, "from": user.user_json, "data": data}
        if message is None:  # inline mode
            query |= {"chat_instance": f"ci-inline{query_id}", "inline_message_id": f"im{query_id}"}
        else:
            query |= {"chat_instance": f"ci{message['chat']['id']}", "message": message}
        return self._queue_update({"callback_query": query})

    async def confirmed(self) -> None:
        """Wait until the bot has fetched every queued update and confirmed it (next offset).

        PTB puts a batch in its update queue before it asks for the next one, so after this
        ``Application.update_queue.join()`` waits for the handlers themselves.
        """
        while self._updates:
            await self._activity.wait(None)

    def polled(self) -> Coroutine[Any, Any, None]:
        """Wait for the next getUpdates call from now on: a started bot asks for updates."""
        generation = self._poll_generation  # taken now, not when the wait is first awaited

        async def wait() -> None:
            while self._poll_generation == generation:
                await self._activity.wait(None)

        return wait()

    def _busy(self) -> bool:
        # Undelivered updates or bot requests in progress mean "the bot is not quiet yet".
        undelivered = any(u["update_id"] > self._delivered_up_to for u in self._updates)
        return undelivered or self._in_flight > 0

    # -- files --------------------------------------------------------------------------------

    def _store_file(self, data: bytes, *, kind: str, name: str | None, mime: str | None) -> str:
        n = next(self._file_ids)
        file_id = f"{kind}-{n}-fid"
        ext = (name.rsplit(".", 1)[-1] if name and "." in name else None) or {
            "voice": "oga",
            "photo": "jpg",
            "sticker": "webp",
        }.get(kind, "bin")
        folder = {"voice": "voice", "photo": "photos", "sticker": "stickers"}.get(kind, "documents")
        self._files[file_id] = _StoredFile(
            data, f"u{n}", f"{folder}/file_{n}.{ext}", kind, name, mime
        )
        return file_id

    def _file_json(self, file_id: str) -> JSONDict:
        f = self._files[file_id]
        data: JSONDict = {
            "file_id": file_id,
            "file_unique_id": f.unique_id,
            "file_size": len(f.data),
        }
        if f.name:
            data["file_name"] = f.name
        if f.mime:
            data["mime_type"] = f.mime
        return data

    async def _handle_file(self, request: web.Request) -> web.StreamResponse:
        path = request.match_info["path"]
        for f in self._files.values():
            if f.path == path:
                return web.Response(body=f.data, content_type="application/octet-stream")
        return web.json_response(
            {"ok": False, "error_code": 404, "description": "Not Found"}, status=404
        )

    # -- request handling ---------------------------------------------------------------------

    async def _read_params(
        self, request: web.Request
    ) -> tuple[JSONDict, dict[str, tuple[str, bytes, str]]]:
        params: JSONDict = dict(request.query)
        files: dict[str, tuple[str, bytes, str]] = {}
        if request.body_exists:
            ctype = request.content_type
            if ctype == "application/json":
                body = await request.read()
                if body.strip():
                    loaded = json.loads(body)
                    if not isinstance(loaded, dict):
                        raise ApiError(400, "Bad Request: request body must be a JSON object")
                    params.update(loaded)
            elif ctype in ("multipart/form-data", "application/x-www-form-urlencoded"):
                post = await request.post()
                for key, value in post.items():
                    if isinstance(value, web.FileField):
                        files[key] = (
                            value.filename,
                            value.file.read(),
                            value.content_type,
                        )
                    else:
                        params[key] = value
        return {k: _coerce(k, v) for k, v in params.items()}, files

    async def _handle_api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"].lower()
        token = request.match_info["token"]
        self.stats.requests[method] += 1
        if method != "getupdates":
            self._in_flight += 1
        try:
            try:
                params, files = await self._read_params(request)
                self._set_bot_id(token)
                result = await self._dispatch(method, params, files)
            except ApiError as err:
                return self._error_response(err)
            except _ConnectionReset:
                assert request.transport is not None
                request.transport.abort()
                return web.Response()  # never sent: the connection is gone
            return web.json_response({"ok": True, "result": result})
        finally:
            if method != "getupdates":
                self._in_flight -= 1
            self._activity.fire()

    def _error_response(self, err: ApiError) -> web.Response:
        self.stats.errors[err.code] += 1
        body: JSONDict = {"ok": False, "error_code": err.code, "description": err.description}
        if err.code == 429:
            self.stats.rate_limited += 1
            body["parameters"] = {"retry_after": err.retry_after or 1}
        return web.json_response(body, status=err.code)

    def _set_bot_id(self, token: str) -> None:
        head = token.split(":", 1)[0]
        self._bot_id = int(head) if head.isdigit() else 1

    async def _dispatch(
        self, method: str, params: JSONDict, files: dict[str, tuple[str, bytes, str]]
    ) -> Any:
        handler = self._handlers.get(method)
        if handler is None:
            raise ApiError(404, "Not Found")
        chat_id = params.get("chat_id")
        await self._apply_faults(method, chat_id)
        if chat_id in self._blocked and method != "getchat":
            raise ApiError(
                403,
                "Forbidden: bot was blocked by the user"
                if isinstance(chat_id, int) and chat_id > 0
                else "Forbidden: bot was kicked from the group chat",
            )
        if method in _SEND_METHODS and self.enforce_limits:
            self._check_limits(chat_id)
        return await handler(self, params, files)

    async def _apply_faults(self, method: str, chat_id: Any) -> None:
        for fault in self._faults:
            if fault.method != method or fault.remaining <= 0:
                continue
            if fault.chat_id is not None and fault.chat_id != chat_id:
                continue
            fault.remaining -= 1
            self._faults = [f for f in self._faults if f.remaining > 0]
            fault.hit.set()
            if fault.status == "reset":
                raise _ConnectionReset
            if fault.status == "hold":
                await _first(fault.released.wait(), self._stopping.wait())
                if fault.released.is_set():
                    return
            if fault.status in ("hang", "hold"):
                await self._stopping.wait()
                raise ApiError(500, "Internal Server Error: emulator stopped")
            if fault.status == 429:
                raise ApiError(
                    429,
                    f"Too Many Requests: retry after {fault.retry_after}",
                    fault.retry_after,
                )
            raise ApiError(fault.status, _FAULT_DESCRIPTIONS.get(fault.status, "Error"))

    def _check_limits(self, chat_id: Any) -> None:
        now = self.clock()
        waits: list[float] = []
        while self._global_sends and self._global_sends[0] <= now - 1.0:
            self._global_sends.popleft()
        if len(self._global_sends) >= GLOBAL_LIMIT:
            waits.append(self._global_sends[0] + 1.0 - now)
        group: deque[float] | None = None
        if isinstance(chat_id, int) and chat_id < 0:
            group = self._group_sends.setdefault(chat_id, deque())
            while group and group[0] <= now - GROUP_WINDOW:
                group.popleft()
            if len(group) >= GROUP_LIMIT:
                waits.append(group[0] + GROUP_WINDOW - now)
        elif isinstance(chat_id, int):
            last = self._private_last.get(chat_id)
            if last is not None and now - last < PRIVATE_INTERVAL:
                waits.append(last + PRIVATE_INTERVAL - now)
        if waits:
            retry = max(1, math.ceil(max(waits)))
            raise ApiError(429, f"Too Many Requests: retry after {retry}", retry)
        self._global_sends.append(now)
        if group is not None:
            group.append(now)
        elif isinstance(chat_id, int):
            self._private_last[chat_id] = now

    # -- chats and messages -------------------------------------------------------------------

    def _chat_for_send(self, chat_id: Any) -> ChatView:
        if not isinstance(chat_id, int):
            raise ApiError(400, "Bad Request: chat not found")
        chat = self._chats.get(chat_id)
        if chat is None:
            # Lenient on purpose: tests may notify staff who never wrote to the bot.
            chat = self.user(chat_id) if chat_id > 0 else self.group(chat_id)
        return chat

    def _bot_message(self, chat: ChatView, params: JSONDict, extra: JSONDict) -> JSONDict:
        message: JSONDict = {
            "message_id": chat._new_message_id(),
            "from": self.bot_user,
            "chat": dict(chat.chat),
            "date": int(time.time()),
            **extra,
        }
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        if markup:
            # Telegram echoes only inline keyboards; reply keyboards are kept for tests too.
            message["reply_markup"] = markup
        reply = params.get("reply_parameters") or {}
        reply_to = reply.get("message_id") or params.get("reply_to_message_id")
        if reply_to and reply_to in chat._raw:
            message["reply_to_message"] = chat._raw[reply_to]
        return message

    def _commit(self, chat: ChatView, message: JSONDict) -> JSONDict:
        self.stats.sent += 1
        chat._record(message, edited=False)
        return message

    def _text_fields(self, params: JSONDict, key: str, entities_key: str) -> JSONDict:
        raw = params.get(key)
        if raw is None:
            return {}
        text, entities = _render(str(raw), params.get("parse_mode"), params.get(entities_key))
        out: JSONDict = {key: text}
        if entities:
            out[entities_key] = entities
        return out

    async def _get_me(self, params: JSONDict, files: Any) -> Any:
        return self.bot_user

    async def _true(self, params: JSONDict, files: Any) -> Any:
        return True

    async def _delete_webhook(self, params: JSONDict, files: Any) -> Any:
        if params.get("drop_pending_updates"):
            self._updates.clear()
        return True

    async def _get_updates(self, params: JSONDict, files: Any) -> Any:
        offset = int(params.get("offset") or 0)
        limit = max(1, min(100, int(params.get("limit") or 100)))
        timeout = max(0, int(params.get("timeout") or 0))
        if offset > 0:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        elif offset < 0:
            self._updates = self._updates[offset:]
        # Like Telegram, a newer getUpdates terminates an older long poll with 409.
        self._poll_generation += 1
        generation = self._poll_generation
        self._updates_signal.fire()
        self._activity.fire()  # confirmed() and polled() waiters
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not self._updates and not self._stopping.is_set():
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; make sure that only one "
                    "bot instance is running",
                )
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            with contextlib.suppress(TimeoutError):
                await self._updates_signal.wait(remaining)
        batch = self._updates[:limit]
        if batch:
            self._delivered_up_to = max(self._delivered_up_to, batch[-1]["update_id"])
        return batch

    async def _send_message(self, params: JSONDict, files: Any) -> Any:
        chat = self._chat_for_send(params.get("chat_id"))
        fields = self._text_fields(params, "text", "entities")
        text = fields.get("text", "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: message is too long")
        return self._commit(chat, self._bot_message(chat, params, fields))

    def _upload(
        self,
        params: JSONDict,
        files: dict[str, tuple[str, bytes, str]],
        key: str,
        default_mime: str,
    ) -> str:
        value = params.get(key)
        if isinstance(value, str) and value.startswith("attach://"):
            part = files.get(value.removeprefix("attach://"))
        else:
            part = files.get(key)
        if part is not None:
            name, data, mime = part
            if mime in (None, "", "application/octet-stream") and default_mime:
                mime = default_mime
            kind = "voice" if key == "voice" else "document"
            return self._store_file(data, kind=kind, name=name, mime=mime)
        if isinstance(value, str) and value in self._files:
            return value
        if value is None:
            raise ApiError(400, f"Bad Request: there is no {key} in the request")
        raise ApiError(400, "Bad Request: wrong file identifier/HTTP URL specified")

    async def _send_document(self, params: JSONDict, files: Any) -> Any:
        chat = self._chat_for_send(params.get("chat_id"))
        file_id = self._upload(params, files, "document", "")
        extra: JSONDict = {"document": self._file_json(file_id)}
        extra.update(self._text_fields(params, "caption", "caption_entities"))
        return self._commit(chat, self._bot_message(chat, params, extra))

    async def _send_voice(self, params: JSONDict, files: Any) -> Any:
        chat = self._chat_for_send(params.get("chat_id"))
        file_id = self._upload(params, files, "voice", "audio/ogg")
        voice = self._file_json(file_id)
        voice.pop("file_name", None)  # voice objects carry no file name
        voice["duration"] = int(params.get("duration") or 1)
        extra: JSONDict = {"voice": voice}
        extra.update(self._text_fields(params, "caption", "caption_entities"))
        return self._commit(chat, self._bot_message(chat, params, extra))

    async def _get_file(self, params: JSONDict, files: Any) -> Any:
        file_id = params.get("file_id")
        stored = self._files.get(str(file_id))
        if stored is None:
            raise ApiError(400, "Bad Request: invalid file_id")
        return {
            "file_id": file_id,
            "file_unique_id": stored.unique_id,
            "file_size": len(stored.data),
            "file_path": stored.path,
        }

    def _editable(self, params: JSONDict) -> tuple[ChatView, JSONDict]:
        if params.get("inline_message_id"):
            raise ApiError(400, "Bad Request: inline messages are not supported by the emulator")
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        if chat is None:
            raise ApiError(400, "Bad Request: chat not found")
        message_id = params.get("message_id")
        raw = chat._raw.get(message_id) if isinstance(message_id, int) else None
        if raw is None:
            raise ApiError(400, "Bad Request: message to edit not found")
        if raw["from"].get("id") != self._bot_id or not raw["from"].get("is_bot"):
            raise ApiError(400, "Bad Request: message can't be edited")
        return chat, raw

    def _commit_edit(self, chat: ChatView, old: JSONDict, new: JSONDict) -> JSONDict:
        strip = ("edit_date",)
        if {k: v for k, v in old.items() if k not in strip} == {
            k: v for k, v in new.items() if k not in strip
        }:
            raise ApiError(400, _NOT_MODIFIED)
        new["edit_date"] = int(time.time())
        self.stats.edited += 1
        chat._record(new, edited=True)
        return new

    async def _edit_message_text(self, params: JSONDict, files: Any) -> Any:
        chat, raw = self._editable(params)
        if "text" not in raw:
            raise ApiError(400, "Bad Request: there is no text in the message to edit")
        fields = self._text_fields(params, "text", "entities")
        text = fields.get("text", "")
        if not text.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if _utf16_len(text) > MAX_TEXT_LENGTH:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        new = {k: v for k, v in raw.items() if k not in ("text", "entities", "reply_markup")}
        new.update(fields)
        # As on Telegram: an edit without reply_markup removes the inline keyboard.
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        if markup:
            new["reply_markup"] = markup
        return self._commit_edit(chat, raw, new)

    async def _edit_message_reply_markup(self, params: JSONDict, files: Any) -> Any:
        chat, raw = self._editable(params)
        new = {k: v for k, v in raw.items() if k != "reply_markup"}
        markup = params.get("reply_markup")
        _check_reply_markup(markup)
        if markup and markup.get("inline_keyboard"):
            new["reply_markup"] = markup
        return self._commit_edit(chat, raw, new)

    async def _delete_message(self, params: JSONDict, files: Any) -> Any:
        chat_id = params.get("chat_id")
        chat = self._chats.get(chat_id) if isinstance(chat_id, int) else None
        message_id = params.get("message_id")
        if chat is None or message_id not in chat._raw:
            raise ApiError(400, "Bad Request: message to delete not found")
        del chat._raw[message_id]
        chat.deleted.append(message_id)
        return True

    async def _answer_callback_query(self, params: JSONDict, files: Any) -> Any:
        query_id = str(params.get("callback_query_id"))
        user_id = self._open_callbacks.pop(query_id, None)
        if user_id is None:
            raise ApiError(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        user = self._users[user_id]
        user.callback_answers.append(
            CallbackAnswer(
                query_id,
                params.get("text"),
                bool(params.get("show_alert")),
                params.get("url"),
            )
        )
        user._signal.fire()  # lets the terminal show toasts/alerts as they happen
        return True

    async def _send_chat_action(self, params: JSONDict, files: Any) -> Any:
        chat = self._chat_for_send(params.get("chat_id"))
        chat.chat_actions.append(str(params.get("action")))
        return True

    @staticmethod
    def _commands_key(scope: Any, language_code: Any) -> tuple[str, str]:
        scope = scope or {"type": "default"}
        return json.dumps(scope, sort_keys=True), str(language_code or "")

    async def _set_my_commands(self, params: JSONDict, files: Any) -> Any:
        commands = params.get("commands")
        if not isinstance(commands, list):
            raise ApiError(400, "Bad Request: can't parse commands JSON object")
        for cmd in commands:
            name = str(cmd.get("command", ""))
            if not (1 <= len(name) <= 32) or not name.replace("_", "").isalnum():
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if name.lower() != name:
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not (1 <= len(str(cmd.get("description", ""))) <= 256):
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands[key] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    async def _get_my_commands(self, params: JSONDict, files: Any) -> Any:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        return self._commands.get(key, [])

    async def _delete_my_commands(self, params: JSONDict, files: Any) -> Any:
        key = self._commands_key(params.get("scope"), params.get("language_code"))
        self._commands.pop(key, None)
        return True

    _handlers: ClassVar[dict[str, Callable[..., Any]]] = {
        "getme": _get_me,
        "deletewebhook": _delete_webhook,
        "getupdates": _get_updates,
        "sendmessage": _send_message,
        "editmessagetext": _edit_message_text,
        "editmessagereplymarkup": _edit_message_reply_markup,
        "answercallbackquery": _answer_callback_query,
        "senddocument": _send_document,
        "sendvoice": _send_voice,
        "getfile": _get_file,
        "setmycommands": _set_my_commands,
        "getmycommands": _get_my_commands,
        "deletemycommands": _delete_my_commands,
        "sendchataction": _send_chat_action,
        "deletemessage": _delete_message,
        "close": _true,
        "logout": _true,
    }
