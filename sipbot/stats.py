"""Figures on requests per unit and month, for `sipbot stats` and an admin's /stats. No Telegram.

Definitions (all times are stored in UTC; months are local, in the deployment's time zone):

- month: the local calendar month of `submitted_at` (when the request was sent), "YYYY-MM".
  A request counts for the unit it is in now (after a transfer, the receiving unit).
- by status / by role: how many of the month's requests are in each status now, and who sent
  them (the person themself, a relative, a representative, a guardian).
- time to claim: `claimed_at - submitted_at` (the first claim or assignment), in hours, over the
  month's requests that have been claimed. Requests never claimed are left out.
- time to meeting: `meeting_at - submitted_at` (the meeting booked now; it may lie ahead), in
  days, over the month's requests with a meeting time.
- median and p90: linear interpolation between the closest ranks (as numpy's default and
  PostgreSQL's percentile_cont): the p-quantile of sorted x[0..n-1] sits at position (n-1)*p.
  None when no request has the time.
- overdue: the request was not taken up by its `due_at` (the response-time target): claimed
  after `due_at`, or never claimed and ended (withdrawn, declined, deleted) after `due_at`, or
  never claimed, still open and `due_at` has passed at `now`. In SQL:
  `COALESCE(claimed_at, closed_at, now) > due_at`. A request without `due_at` is never overdue.
- overdue share: overdue / all of the month's requests (including ones not yet due).

Counts are aggregated in SQL; the percentiles are computed in Python over one float per request,
with the differences themselves computed by the database. Nothing encrypted is read.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Engine, and_, case, extract, func, literal, or_, select
from sqlmodel import col

from sipbot.db.models import SipRequest
from sipbot.db.types import UTCDateTime
from sipbot.status import ENDED, OPEN

STATUSES = OPEN + ENDED
ROLES = ("self", "relative", "representative", "guardian")  # conversations/sip_request.yaml


@dataclass(frozen=True)
class MonthStats:
    """One unit's requests sent in one local month (or over a period, then month is "")."""

    unit: str
    month: str  # "YYYY-MM"
    total: int
    by_status: dict[str, int] = field(default_factory=dict)
    by_role: dict[str, int] = field(default_factory=dict)
    claimed: int = 0  # requests with a claim time
    claim_median_hours: float | None = None
    claim_p90_hours: float | None = None
    with_meeting: int = 0  # requests with a meeting time
    meeting_median_days: float | None = None
    meeting_p90_days: float | None = None
    overdue: int = 0

    @property
    def overdue_share(self) -> float | None:
        return self.overdue / self.total if self.total else None


@dataclass(frozen=True)
class UnitStats:
    """What an admin's /stats shows: the unit now, its recent months and those months together."""

    unit: str
    open_now: int  # requests of the unit in an open status
    unclaimed_now: int  # open, nobody has claimed them
    overdue_now: int  # unclaimed and past their due time
    months: tuple[MonthStats, ...]  # the last few local months, newest first, empty ones too
    period: MonthStats  # the same months together (month is "")


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-quantile (0 <= p <= 1) by linear interpolation; None for no values."""
    if not values:
        return None
    xs = sorted(values)
    pos = (len(xs) - 1) * p
    lo = math.floor(pos)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (pos - lo)


def month_start(at: datetime, tz: ZoneInfo, add: int = 0) -> datetime:
    """The start (aware, local) of the local month of `at`, moved by `add` months."""
    local = at.astimezone(tz)
    index = local.year * 12 + local.month - 1 + add
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=tz)


def _label(start: datetime) -> str:
    return f"{start.year:04d}-{start.month:02d}"


def _utc(value: datetime) -> ColumnElement[Any]:
    return literal(value.astimezone(UTC), UTCDateTime())


def _month_case(first: datetime, last: datetime, tz: ZoneInfo) -> ColumnElement[Any]:
    """SQL mapping submitted_at to its local month, for times from `first` to `last`.

    Portable (SQLite has no time zones): one WHEN per month boundary, computed here.
    """
    start = month_start(first, tz)
    end = month_start(last, tz, 1)
    whens = []
    while start < end:
        after = month_start(start, tz, 1)
        whens.append((SipRequest.submitted_at < _utc(after), literal(_label(start))))
        start = after
    return case(*whens, else_=literal(""))


def _hours(dialect: str, later: Any, earlier: Any) -> ColumnElement[Any]:
    """`later - earlier` in hours, as a float computed by the database."""
    if dialect == "sqlite":
        return (func.julianday(later) - func.julianday(earlier)) * 24.0
    return extract("epoch", later - earlier) / 3600.0


def _filters(unit: str | None, since: datetime | None, until: datetime | None) -> list[Any]:
    where: list[Any] = []
    if unit is not None:
        where.append(SipRequest.unit == unit)
    if since is not None:
        where.append(SipRequest.submitted_at >= _utc(since))
    if until is not None:
        where.append(SipRequest.submitted_at < _utc(until))
    return where


def _aggregate(
    engine: Engine, now: datetime, where: list[Any], bucket: ColumnElement[Any]
) -> list[MonthStats]:
    """Counts and figures per (unit, bucket), where bucket is an SQL expression (a month)."""
    overdue = case(
        (
            func.coalesce(SipRequest.claimed_at, SipRequest.closed_at, _utc(now))
            > SipRequest.due_at,
            1,
        ),
        else_=0,
    )
    # A subquery, so GROUP BY names plain columns (PostgreSQL will not match bound parameters
    # in a repeated CASE expression).
    rows = (
        select(
            col(SipRequest.unit).label("unit"),
            bucket.label("bucket"),
            col(SipRequest.status).label("status"),
            col(SipRequest.role).label("role"),
            overdue.label("overdue"),
        )
        .where(*where)
        .subquery()
    )
    counts = select(
        rows.c.unit,
        rows.c.bucket,
        rows.c.status,
        rows.c.role,
        func.count(),
        func.sum(rows.c.overdue),
    ).group_by(rows.c.unit, rows.c.bucket, rows.c.status, rows.c.role)

    dialect = engine.dialect.name
    claimed, meeting = col(SipRequest.claimed_at), col(SipRequest.meeting_at)
    times = select(
        SipRequest.unit,
        bucket,
        _hours(dialect, claimed, SipRequest.submitted_at),  # NULL when not claimed
        _hours(dialect, meeting, SipRequest.submitted_at),
    ).where(*where, or_(claimed.is_not(None), meeting.is_not(None)))

    total: Counter[tuple[str, str]] = Counter()
    late: Counter[tuple[str, str]] = Counter()
    by_status: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    by_role: defaultdict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    to_claim: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    to_meeting: defaultdict[tuple[str, str], list[float]] = defaultdict(list)
    with engine.connect() as conn:
        for unit, label, status, role, n, n_late in conn.execute(counts):
            key = (unit, label)
            total[key] += n
            late[key] += int(n_late or 0)
            by_status[key][status] += n
            by_role[key][role] += n
        for unit, label, claim_h, meeting_h in conn.execute(times):
            if claim_h is not None:
                to_claim[(unit, label)].append(float(claim_h))
            if meeting_h is not None:
                to_meeting[(unit, label)].append(float(meeting_h) / 24.0)

    out = []
    for key in sorted(total):
        claims, meetings = to_claim[key], to_meeting[key]
        out.append(
            MonthStats(
                unit=key[0],
                month=key[1],
                total=total[key],
                by_status=dict(by_status[key]),
                by_role=dict(by_role[key]),
                claimed=len(claims),
                claim_median_hours=percentile(claims, 0.5),
                claim_p90_hours=percentile(claims, 0.9),
                with_meeting=len(meetings),
                meeting_median_days=percentile(meetings, 0.5),
                meeting_p90_days=percentile(meetings, 0.9),
                overdue=late[key],
            )
        )
    return out


def monthly(
    engine: Engine,
    now: datetime,
    tz: ZoneInfo,
    *,
    unit: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> list[MonthStats]:
    """One MonthStats per unit and local month with requests, by unit then month.

    `since` and `until` (aware) bound submitted_at: since <= submitted_at < until.
    """
    where = _filters(unit, since, until)
    with engine.connect() as conn:
        first, last = conn.execute(
            select(func.min(SipRequest.submitted_at), func.max(SipRequest.submitted_at)).where(
                *where
            )
        ).one()
    if first is None:
        return []
    return _aggregate(engine, now, where, _month_case(first, last, tz))


def unit_stats(
    engine: Engine, unit: str, now: datetime, tz: ZoneInfo, months: int = 3
) -> UnitStats:
    """The unit now, its last `months` local months (this one included) and those together."""
    since = month_start(now, tz, 1 - months)
    found = {m.month: m for m in monthly(engine, now, tz, unit=unit, since=since)}
    recent = []
    for back in range(months):
        label = _label(month_start(now, tz, -back))
        recent.append(found.get(label) or MonthStats(unit=unit, month=label, total=0))
    together = _aggregate(engine, now, _filters(unit, since, None), literal(""))
    open_ = and_(SipRequest.unit == unit, col(SipRequest.status).in_(OPEN))
    unclaimed = and_(open_, col(SipRequest.claimed_at).is_(None))
    with engine.connect() as conn:
        n_open, n_unclaimed, n_overdue = conn.execute(
            select(
                func.count(),
                func.sum(case((unclaimed, 1), else_=0)),
                func.sum(case((and_(unclaimed, SipRequest.due_at < _utc(now)), 1), else_=0)),
            ).where(open_)
        ).one()
    return UnitStats(
        unit=unit,
        open_now=int(n_open or 0),
        unclaimed_now=int(n_unclaimed or 0),
        overdue_now=int(n_overdue or 0),
        months=tuple(recent),
        period=together[0] if together else MonthStats(unit=unit, month="", total=0),
    )


def csv_columns(rows: Iterable[MonthStats]) -> list[str]:
    """The CSV header: fixed columns, then any status or role not known here, sorted."""
    rows = list(rows)
    statuses = [*STATUSES, *sorted({s for r in rows for s in r.by_status} - set(STATUSES))]
    roles = [*ROLES, *sorted({x for r in rows for x in r.by_role} - set(ROLES))]
    return [
        "unit",
        "month",
        "total",
        *(f"status_{s}" for s in statuses),
        *(f"role_{x}" for x in roles),
        "claimed",
        "claim_median_hours",
        "claim_p90_hours",
        "with_meeting",
        "meeting_median_days",
        "meeting_p90_days",
        "overdue",
        "overdue_share",
    ]


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def write_csv(rows: Sequence[MonthStats], out: IO[str]) -> None:
    """Write one row per unit and month, with a header row.

    Columns:
      unit, month (YYYY-MM, local), total (requests sent that month);
      status_<s> for each status (new, contacted, meeting_booked, plan_made, followup_booked,
        closed, withdrawn, declined, deleted): how many of them are in that status now;
      role_<r> for each requester role (self, relative, representative, guardian);
      claimed: how many have been claimed; claim_median_hours, claim_p90_hours: time from sent
        to first claim over those, in hours (2 decimals; empty when none);
      with_meeting: how many have a meeting time; meeting_median_days, meeting_p90_days: time
        from sent to the meeting, in days (2 decimals; empty when none);
      overdue: how many were not taken up by their due time (see the module docstring);
      overdue_share: overdue / total, 0..1 (4 decimals).
    Any status or role found in the data but unknown here gets its own column at the end of
    its group. Numbers use "." as the decimal mark.
    """
    columns = csv_columns(rows)
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        values: dict[str, Any] = {
            "unit": r.unit,
            "month": r.month,
            "total": r.total,
            "claimed": r.claimed,
            "claim_median_hours": _num(r.claim_median_hours),
            "claim_p90_hours": _num(r.claim_p90_hours),
            "with_meeting": r.with_meeting,
            "meeting_median_days": _num(r.meeting_median_days),
            "meeting_p90_days": _num(r.meeting_p90_days),
            "overdue": r.overdue,
            "overdue_share": "" if r.overdue_share is None else f"{r.overdue_share:.4f}",
        }
        values.update({f"status_{s}": n for s, n in r.by_status.items()})
        values.update({f"role_{x}": n for x, n in r.by_role.items()})
        writer.writerow([values.get(c, 0) for c in columns])
