"""Staff enrolment by one-time invite, and who is staff of which unit."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import Engine, update
from sqlmodel import col, select

from sipbot.clock import Clock
from sipbot.db.engine import session_scope
from sipbot.db.models import StaffInvite, StaffMember
from sipbot.staff.audit import audit

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


def remove(engine: Engine, clock: Clock, telegram_id: int, by: int | None = None) -> bool:
    """Take away staff access (the row stays, so the audit log keeps its names)."""
    with session_scope(engine) as s:
        found = s.get(StaffMember, telegram_id)
        if found is None or not found.active:
            return False
        found.active = False
        s.add(found)
        audit(s, clock(), by, "staff.remove", detail=f"staff={telegram_id} unit={found.unit}")
        return True


def names(engine: Engine, unit: str) -> dict[int, str]:
    """Names of a unit's staff, past ones too, for history lines."""
    with session_scope(engine) as s:
        rows = s.exec(select(StaffMember).where(StaffMember.unit == unit))
        return {m.telegram_id: m.name or str(m.telegram_id) for m in rows}
