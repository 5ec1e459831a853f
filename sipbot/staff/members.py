"""Staff enrolment by one-time invite, and who is staff of which unit."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import Engine, delete, update
from sqlmodel import Session, col, select

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest, StaffIdentity, StaffInvite, StaffMember
from sipbot.requests import record
from sipbot.staff.audit import audit
from sipbot.status import OPEN

INVITE_PREFIX = "s_"  # /start s_<token>
INVITE_VALID = timedelta(hours=72)
ROLES = ("staff", "admin")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_invite(
    engine: Engine, clock: Clock, unit: str, role: str = "staff", created_by: int | None = None
) -> str:
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    token = secrets.token_urlsafe(18)
    with session_scope(engine) as s:
        now = clock()
        s.add(
            StaffInvite(
                token_hash=_hash(token),
                unit=unit,
                role=role,
                expires_at=now + INVITE_VALID,
                created_by=created_by,
            )
        )
        audit(s, now, created_by, "staff.invite", detail=f"unit={unit} role={role}")
    return token


def accept_invite(
    engine: Engine, clock: Clock, token: str, telegram_id: int, name: str
) -> StaffMember | str:
    """Enrol the user; returns the member, or why not: unknown, used, expired."""
    with session_scope(engine) as s:
        now = clock()
        invite = s.get(StaffInvite, _hash(token))
        if invite is None:
            return "unknown"
        if invite.used_at is not None:
            return "used"
        if invite.expires_at <= now:
            return "expired"
        used = s.execute(
            update(StaffInvite)
            .where(col(StaffInvite.token_hash) == invite.token_hash)
            .where(col(StaffInvite.used_at).is_(None))
            .values(used_at=now, used_by=telegram_id)
        )
        if used.rowcount != 1:  # type: ignore[attr-defined]
            return "used"
        member = s.get(StaffMember, telegram_id) or StaffMember(
            telegram_id=telegram_id, unit=invite.unit, role=invite.role, name="", created_at=now
        )
        if member.unit != invite.unit:  # moved: the old unit's requests go back to its queue
            _return_held(s, now, telegram_id, telegram_id, keep_unit=invite.unit)
        member.unit, member.role, member.name, member.active = invite.unit, invite.role, name, True
        s.add(member)
        audit(s, now, telegram_id, "staff.enrol", detail=f"unit={invite.unit} role={invite.role}")
        return member


def member(engine: Engine, telegram_id: int) -> StaffMember | None:
    """The active staff member with this Telegram id, or None for everyone else."""
    with session_scope(engine) as s:
        found = s.get(StaffMember, telegram_id)
        return found if found is not None and found.active else None


def members(engine: Engine, unit: str | None = None) -> list[StaffMember]:
    with session_scope(engine) as s:
        query = select(StaffMember).where(col(StaffMember.active).is_(True))
        if unit is not None:
            query = query.where(StaffMember.unit == unit)
        return list(s.exec(query.order_by(StaffMember.unit, StaffMember.name)))


def remove(
    engine: Engine,
    clock: Clock,
    telegram_id: int,
    by: int | None = None,
    then: Callable[[Session, SipRequest], object] | None = None,
) -> list[SipRequest] | None:
    """Take away staff access (the row stays, so the audit log keeps its names).

    The open requests they held go back to their unit's queue, unassigned, in the same
    transaction; returns those, or None if there was no such active member. `then` tells
    the unit of each, in the same transaction.
    """
    with session_scope(engine) as s:
        found = s.get(StaffMember, telegram_id)
        if found is None or not found.active:
            return None
        now = clock()
        found.active = False
        s.add(found)
        audit(s, now, by, "staff.remove", detail=f"staff={telegram_id} unit={found.unit}")
        # What their identity provider verified (name, personnummer) goes with the access.
        s.exec(delete(StaffIdentity).where(col(StaffIdentity.telegram_id) == telegram_id))  # type: ignore[call-overload]
        returned = _return_held(s, now, telegram_id, by)
        for request in returned if then is not None else []:
            then(s, request)  # type: ignore[misc]
        return returned


def _held(s: Session, telegram_id: int) -> list[SipRequest]:
    return list(
        s.exec(
            select(SipRequest)
            .where(SipRequest.assigned_to == telegram_id, col(SipRequest.status).in_(OPEN))
            .order_by(col(SipRequest.id))
            .with_for_update()
        )
    )


def _return_held(
    s: Session, now: datetime, telegram_id: int, by: int | None, keep_unit: str | None = None
) -> list[SipRequest]:
    """Unassign what the member holds (outside `keep_unit`): back in its unit's queue."""
    returned = [r for r in _held(s, telegram_id) if r.unit != keep_unit]
    for request in returned:
        request.assigned_to = None
        request.escalated_at = None  # overdue again at once if it is
        record(s, request, now, "assign", "", "staff" if by else "system", by)
        audit(s, now, by, "returned", request.id, f"from={telegram_id}")
    return returned


def hand_over(
    engine: Engine,
    clock: Clock,
    admin: StaffMember,
    from_id: int,
    to_id: int,
    then: Callable[[Session, list[SipRequest]], object] | None = None,
) -> list[SipRequest]:
    """An admin gives all of one member's open requests of the unit to a colleague at once;
    `then` tells the colleague, in the same transaction."""
    with session_scope(engine) as s:
        to = s.get(StaffMember, to_id)
        source = s.get(StaffMember, from_id)
        if (
            admin.role != "admin"
            or to is None
            or not to.active
            or to.unit != admin.unit
            or source is None
            or source.unit != admin.unit
            or from_id == to_id
        ):
            return []
        now = clock()
        moved = [r for r in _held(s, from_id) if r.unit == admin.unit]  # rows locked
        for request in moved:
            request.assigned_to = to_id
            record(s, request, now, "assign", str(to_id), "staff", admin.telegram_id)
            audit(s, now, admin.telegram_id, "assign", request.id, f"to={to_id} from={from_id}")
        if then is not None and moved:
            then(s, moved)
        return moved


def names(engine: Engine, unit: str) -> dict[int, str]:
    """Names of a unit's staff, past ones too, for history lines."""
    with session_scope(engine) as s:
        rows = s.exec(select(StaffMember).where(StaffMember.unit == unit))
        return {m.telegram_id: m.name or str(m.telegram_id) for m in rows}
