"""Messages that must arrive: written with the change they tell, sent by a claiming sweep.

A handler never sends such a message itself after its commit (a crash right after the commit
would lose it). It adds an outbox row in the same transaction (`put`); the commit wakes the
sweep at once, and the sweep also runs on PTB's JobQueue, so after a kill the row goes out at
the next start. Claiming, recovery and outcomes are the reminders' (sipbot.reminders.store).
A row may go out twice only if the process died between the send and its record.

What a message is (its parts) and queuing it are here, with no channel; the sweep that sends
through the Bot API is the chat's (sipbot.chat.outbox_sender).
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from sqlalchemy import event
from sqlmodel import Session

from sipbot.db.engine import session_scope
from sipbot.db.models import OutboxMessage

log = logging.getLogger(__name__)
Part = dict[str, Any]
Buttons = list[list[tuple[str, str]]]


def text(body: str, buttons: Buttons | None = None) -> Part:
    part: Part = {"text": body}
    if buttons:
        part["buttons"] = [[list(b) for b in row] for row in buttons]
    return part


def document(data: bytes, filename: str) -> Part:
    return {"document": base64.b64encode(data).decode("ascii"), "filename": filename}


def voice(file_id: str) -> Part:
    return {"voice": file_id}


def put(
    s: Session,
    now: datetime,
    chat_id: int,
    parts: list[Part],
    *,
    kind: str,
    request_id: int | None = None,
    fallback: tuple[int, list[Part]] | None = None,
) -> OutboxMessage:
    """Queue a message in the caller's transaction; `fallback` (chat, parts) is queued in its
    place if the chat turns out to be unreachable (blocked the bot, left the group)."""
    row = OutboxMessage(
        kind=kind,
        request_id=request_id,
        chat_id=chat_id,
        parts=parts,
        fallback={"chat_id": fallback[0], "parts": fallback[1]} if fallback else None,
        due_at=now,
        next_try_at=now,
        status="pending",
    )
    s.add(row)
    if not s.info.get("outbox"):
        s.info["outbox"] = True
        event.listen(s, "after_commit", _committed, once=True)
    return row


# Set by the running application: wakes its sweep. Commits outside it (the CLI) just wait
# for the next start.
_wake: Callable[[], None] | None = None


def wake_on_commit(wake: Callable[[], None] | None) -> None:
    """The running sender's wake-up, called after each commit that queued a message."""
    global _wake
    _wake = wake


def _committed(_session: Session) -> None:
    if _wake is not None:
        _wake()


def forget(engine: Any, row_id: int) -> None:
    """A message that has ended (sent, or given up) keeps no copy of what it said.

    It is in the person's chat, or was not wanted there; the row stays for the counts only.
    """
    with session_scope(engine) as s:
        row = s.get(OutboxMessage, row_id)
        if row is not None:
            row.parts, row.fallback = [], None
            s.add(row)
