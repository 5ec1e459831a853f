"""Messages that must arrive: written with the change they tell, sent by a claiming sweep.

A handler never sends such a message itself after its commit (a crash right after the commit
would lose it). What to say and to whom is decided by the notifier (sipbot.notify),
which adds outbox rows in the change's own transaction (`put`); the commit wakes the sweep at
once, and the sweep also runs on PTB's JobQueue, so after a kill the row goes out at the next
start. The sweep sends each chat's rows in order, one at a time (`claim_next`), so a row may
go out twice only if the process died between its send and its record: at most one row per
chat that was in flight. Recovery and outcomes are the reminders' (sipbot.reminders.store).

What a message is (its parts) and queuing it are here, with no channel; the sweep that sends
through the Bot API is the chat's (sipbot.chat.outbox_sender).
"""

from __future__ import annotations

import base64
import logging
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, update
from sqlmodel import Session, col, select

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


Fallback = list[tuple[int, list[Part]]]


def put(
    s: Session,
    now: datetime,
    chat_id: int,
    parts: list[Part],
    *,
    kind: str,
    request_id: int | None = None,
    fallback: Fallback | tuple[int, list[Part]] | None = None,
    channel: str = "telegram",
) -> OutboxMessage:
    """Queue a message in the caller's transaction; `fallback` (chat, parts) pairs are queued
    in its place if the chat turns out to be unreachable (blocked the bot, left the group)."""
    if isinstance(fallback, tuple):
        fallback = [fallback]
    row = OutboxMessage(
        kind=kind,
        channel=channel,
        request_id=request_id,
        chat_id=chat_id,
        parts=parts,
        fallback={"chats": [{"chat_id": c, "parts": p} for c, p in fallback]}
        if fallback
        else None,
        due_at=now,
        next_try_at=now,
        status="pending",
    )
    s.add(row)
    if not s.info.get("outbox"):
        s.info["outbox"] = True
        event.listen(s, "after_commit", _committed, once=True)
    return row


# Set by the running application: wakes its sweeps (one per channel). Commits outside it
# (the CLI) just wait for the next start.
_wakes: dict[str, Callable[[], None]] = {}


def wake_on_commit(wake: Callable[[], None] | None, channel: str = "telegram") -> None:
    """The running sender's wake-up, called after each commit that queued a message."""
    if wake is None:
        _wakes.pop(channel, None)
    else:
        _wakes[channel] = wake


def _committed(_session: Session) -> None:
    for wake in list(_wakes.values()):
        wake()


def forget(engine: Any, row_id: int) -> None:
    """A message that has ended (sent, or given up) keeps no copy of what it said.

    It is in the person's chat, or was not wanted there; the row stays for the counts only.
    """
    with session_scope(engine) as s:
        row = s.get(OutboxMessage, row_id)
        if row is not None:
            row.parts, row.fallback = [], None
            s.add(row)


def fallbacks(row: OutboxMessage) -> list[dict[str, Any]]:
    """The (chat, parts) to queue instead of an unreachable row; rows queued before fallbacks
    became a list name one chat."""
    if not row.fallback:
        return []
    return list(row.fallback.get("chats") or [row.fallback])


def due_chats(engine: Any, now: datetime) -> list[int]:
    """The chats that have a message due now."""
    with session_scope(engine) as s:
        query = (
            select(OutboxMessage.chat_id)
            .where(
                col(OutboxMessage.status) == "pending",
                col(OutboxMessage.next_try_at) <= now,
                col(OutboxMessage.channel) == "telegram",
            )
            .distinct()
        )
        return [int(c) for c in s.exec(query)]


def claim_next(engine: Any, now: datetime, chat_id: int) -> OutboxMessage | None:
    """Take the chat's oldest waiting message if it is due: a chat's messages go out in the
    order they were queued, and one waiting for a retry holds back only its own chat."""
    token = secrets.token_hex(8)
    with session_scope(engine) as s:
        oldest = s.exec(
            select(OutboxMessage.id, OutboxMessage.next_try_at)
            .where(
                col(OutboxMessage.chat_id) == chat_id,
                col(OutboxMessage.status) == "pending",
                col(OutboxMessage.channel) == "telegram",
            )
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
            .limit(1)
        ).first()
        if oldest is None or _aware(oldest[1]) > now:
            return None
        # Conditional: of two senders exactly one takes it.
        taken = s.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == oldest[0], col(OutboxMessage.status) == "pending")
            .values(status="sending", claim=token, claimed_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
    with session_scope(engine) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.claim == token)).first()


def claim_mail(engine: Any, now: datetime) -> OutboxMessage | None:
    """Take the oldest e-mail that is due; one waiting for a retry holds back no other (each
    calendar file carries its SEQUENCE, so a late one cannot undo a newer one)."""
    token = secrets.token_hex(8)
    with session_scope(engine) as s:
        due = s.exec(
            select(OutboxMessage.id)
            .where(
                col(OutboxMessage.channel) == "mail",
                col(OutboxMessage.status) == "pending",
                col(OutboxMessage.next_try_at) <= now,
            )
            .order_by(col(OutboxMessage.due_at), col(OutboxMessage.id))
            .limit(1)
        ).first()
        if due is None:
            return None
        taken = s.execute(
            update(OutboxMessage)
            .where(col(OutboxMessage.id) == due, col(OutboxMessage.status) == "pending")
            .values(status="sending", claim=token, claimed_at=now)
        )
        if taken.rowcount != 1:  # type: ignore[attr-defined]
            return None
    with session_scope(engine) as s:
        return s.exec(select(OutboxMessage).where(OutboxMessage.claim == token)).first()


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
