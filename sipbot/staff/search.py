"""The desk's queue: a unit's requests found by reference and status, sorted, a page at a time.

Channel-free; the unit always comes from the acting staff member, never from the caller's
input, so no filter or sort can reach another unit's requests.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Engine, func
from sqlalchemy.orm import defer
from sqlmodel import col, select

from sipbot.db.engine import session_scope
from sipbot.db.models import SipRequest, StaffMember
from sipbot.status import ENDED, OPEN

# A filter is one status, or one of these groups.
GROUPS: dict[str, tuple[str, ...]] = {"open": OPEN, "ended": ENDED, "all": OPEN + ENDED}
SORTS = {
    "reference": col(SipRequest.reference),
    "submitted": col(SipRequest.submitted_at),
    "status": col(SipRequest.status),
    "due": col(SipRequest.due_at),
}
DESK_PAGE = 25


@dataclass(frozen=True)
class Query:
    reference: str = ""
    status: str = "open"
    sort: str = "submitted"
    descending: bool = False
    page: int = 0

    def valid(self) -> Query:
        """The same query with anything unknown put back to its default."""
        status = self.status if self.status in GROUPS or self.status in GROUPS["all"] else "open"
        sort = self.sort if self.sort in SORTS else "submitted"
        reference = "".join(c for c in self.reference.upper() if c.isalnum() or c == "-")[:16]
        return Query(reference, status, sort, self.descending, max(0, min(self.page, 100_000)))


@dataclass(frozen=True)
class Found:
    rows: list[SipRequest]
    total: int
    query: Query

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // DESK_PAGE))


def find(engine: Engine, staff: StaffMember, query: Query) -> Found:
    q = query.valid()
    statuses = GROUPS.get(q.status, (q.status,))
    where = [SipRequest.unit == staff.unit, col(SipRequest.status).in_(statuses)]
    if q.reference:
        # References are stored upper case; "SIP-AB" and "AB" both find SIP-ABCD.
        where.append(col(SipRequest.reference).contains(q.reference))
    key = SORTS[q.sort]
    order = [key.desc() if q.descending else key, col(SipRequest.id)]
    with session_scope(engine) as s:
        total = s.exec(select(func.count()).select_from(SipRequest).where(*where)).one()
        rows = s.exec(
            select(SipRequest)
            .options(defer(SipRequest.answers))  # type: ignore[arg-type]
            .where(*where)
            .order_by(*order)
            .offset(q.page * DESK_PAGE)
            .limit(DESK_PAGE)
        ).all()
    return Found(list(rows), int(total), q)


def by_reference(engine: Engine, staff: StaffMember, reference: str) -> int | None:
    """The id of the unit's request with this reference; None for any other."""
    with session_scope(engine) as s:
        return s.exec(
            select(SipRequest.id).where(
                SipRequest.reference == reference.upper(), SipRequest.unit == staff.unit
            )
        ).first()
