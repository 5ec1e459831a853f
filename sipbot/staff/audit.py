"""The audit log: every staff view and action, written in the same transaction as the action."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from sipbot.db.engine import session_scope
from sipbot.db.models import AuditEntry


def audit(
    s: Session,
    at: datetime,
    staff_id: int | None,
    action: str,
    request_id: int | None = None,
    detail: str | None = None,
) -> None:
    """Record one entry. `detail` holds ids and codes only, never a person's words."""
    s.add(AuditEntry(at=at, staff_id=staff_id, action=action, request_id=request_id, detail=detail))


def refused_attempt(
    engine: Engine,
    at: datetime,
    staff_id: int | None,
    attempt: str,
    code: str,
    request_id: int | None = None,
) -> None:
    """A refused attempt (another unit's request, forged data, not the holder), in its own
    transaction: the action's was rolled back. Access-log review needs these too."""
    if request_id is not None and not 0 < request_id < 2**31:
        request_id = None  # forged: no request has it, and the column could not hold it
    with session_scope(engine) as s:
        detail = f"attempt={attempt[:40]} code={code[:40]}"
        audit(s, at, staff_id, "refused", request_id, detail)


def entries(
    engine: Engine, *, request_id: int | None = None, staff_id: int | None = None
) -> list[AuditEntry]:
    with session_scope(engine) as s:
        query = select(AuditEntry)
        if request_id is not None:
            query = query.where(AuditEntry.request_id == request_id)
        if staff_id is not None:
            query = query.where(AuditEntry.staff_id == staff_id)
        return list(s.exec(query.order_by(col(AuditEntry.at), col(AuditEntry.id))))
