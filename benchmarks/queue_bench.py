"""Staff queue and request card against 100 000 requests: how long the database takes.

    .venv/bin/python benchmarks/queue_bench.py [--db sqlite|postgres] [--n 100000] [--explain]
        [--sql "CREATE INDEX ..."]

Builds a fresh database (SQLite in a temporary directory; for PostgreSQL a fresh schema in
postgresql+psycopg://postgres@127.0.0.1:5432/test, or --pg-url, dropped afterwards), runs the
migrations, bulk-loads requests across the 8 units of examples/jamtland-harjedalen.yaml with
their events, notes and audit entries, then times sipbot.staff.queue.page (each tab, the first
page and page 50), sipbot.staff.queue.counts and sipbot.staff.work.view (the request card).

"db" is the time spent inside the database driver's cursor: execute and fetching the rows
(the engine's connections hand out timing cursors; SQLAlchemy's cursor events alone would
miss the fetch, as sqlite3 only steps to the first row in execute). "wall" is the whole call:
session, ORM, rows decrypted, audit insert and commit. --explain prints the plan of every
statement a call runs (EXPLAIN QUERY PLAN on SQLite, EXPLAIN ANALYZE on PostgreSQL).

Not a test: the figures go in BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, create_engine, event, insert, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from sipbot.db import crypto  # noqa: E402
from sipbot.db.engine import _sqlite_pragmas  # noqa: E402
from sipbot.db.migrate import upgrade  # noqa: E402
from sipbot.db.models import (  # noqa: E402
    AuditEntry,
    RequestEvent,
    RequestNote,
    SipRequest,
    StaffMember,
)
from sipbot.deployment import load_deployment  # noqa: E402
from sipbot.staff import queue, work  # noqa: E402
from sipbot.status import ENDED  # noqa: E402

PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
GOAL_MS = 50.0
PAGE_50 = 49  # queue.page numbers pages from 0

# Share of requests per unit, roughly by population (Östersund is half the county).
UNIT_WEIGHTS = {
    "ostersund": 64,
    "krokom": 15,
    "are": 12,
    "stromsund": 11,
    "harjedalen": 10,
    "berg": 7,
    "bracke": 6,
    "ragunda": 5,
}
STAFF_PER_UNIT = {"ostersund": 10, "krokom": 4, "are": 4, "stromsund": 3}  # others: 2
# Final status mix over three years of requests: most ended, a fifth still open.
STATUS_MIX = {
    "new": 5,
    "contacted": 4,
    "meeting_booked": 3,
    "plan_made": 2,
    "followup_booked": 6,
    "closed": 65,
    "withdrawn": 6,
    "declined": 5,
    "deleted": 4,
}
PATH = ["new", "contacted", "meeting_booked", "plan_made", "followup_booked", "closed"]
ROLES = {"self": 60, "relative": 25, "representative": 8, "guardian": 7}
ANSWERS = {
    "role": "self",
    "municipality": "ostersund",
    "problems": "Jag orkar inte gå till skolan och sover dåligt.",
    "main_goal": "Klara gymnasiet",
    "subgoals": ["Gå i skolan tre dagar i veckan", "Sova åtta timmar"],
    "actors": ["vardcentral", "psykiatri"],
    "contacts": {"vardcentral": "Anna Berg 070-111 22 33", "psykiatri": None},
    "meeting_place": "home",
    "followup_when": "1m",
    "contact_way": "chat",
}
NOTE_TEXTS = ["Ringde, bokade tid.", "Personen vill ha möte hemma.", "Väntar på svar från VC."]


# -- timing cursors --------------------------------------------------------------------------


class _Spent:
    seconds = 0.0  # time inside driver cursors since the last reset


def _timed(method: Callable[..., Any]) -> Callable[..., Any]:
    def timed(self: Any, *args: Any, **kw: Any) -> Any:
        start = time.perf_counter()
        try:
            return method(self, *args, **kw)
        finally:
            _Spent.seconds += time.perf_counter() - start

    return timed


class _SqliteCursor(sqlite3.Cursor):
    execute = _timed(sqlite3.Cursor.execute)
    executemany = _timed(sqlite3.Cursor.executemany)
    fetchone = _timed(sqlite3.Cursor.fetchone)
    fetchmany = _timed(sqlite3.Cursor.fetchmany)
    fetchall = _timed(sqlite3.Cursor.fetchall)
    __next__ = _timed(sqlite3.Cursor.__next__)


class _SqliteConnection(sqlite3.Connection):
    def cursor(self, factory: Any = _SqliteCursor) -> Any:  # type: ignore[override]
        return super().cursor(factory)


class _PgCursor(psycopg.Cursor):  # type: ignore[type-arg]
    execute = _timed(psycopg.Cursor.execute)
    executemany = _timed(psycopg.Cursor.executemany)
    fetchone = _timed(psycopg.Cursor.fetchone)
    fetchmany = _timed(psycopg.Cursor.fetchmany)
    fetchall = _timed(psycopg.Cursor.fetchall)


def timed_engine(url: str) -> Engine:
    """As sipbot.db.engine.make_engine, with cursors that add their time to _Spent."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30, "factory": _SqliteConnection},
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, connect_args={"cursor_factory": _PgCursor})


# -- the database ------------------------------------------------------------------------------


def fresh_database(kind: str, pg_url: str) -> tuple[Engine, Callable[[], None]]:
    """A migrated, empty database and a function that removes it."""
    if kind == "sqlite":
        tmp = tempfile.TemporaryDirectory(prefix="sipbot-bench-")
        engine = timed_engine(f"sqlite:///{tmp.name}/bench.db")

        def drop_sqlite() -> None:
            engine.dispose()
            tmp.cleanup()

        upgrade(engine)
        return engine, drop_sqlite
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    admin = create_engine(pg_url)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in pg_url else "?"
    engine = timed_engine(f"{pg_url}{sep}options=-csearch_path%3D{schema}")

    def drop_pg() -> None:
        engine.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    try:
        upgrade(engine)
    except BaseException:
        drop_pg()
        raise
    return engine, drop_pg


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _chunks(rows: list[dict[str, Any]], size: int = 5000) -> Iterator[list[dict[str, Any]]]:
    for i in range(0, len(rows), size):
        yield rows[i : i + size]


def load(engine: Engine, n: int, seed: int = 1) -> dict[str, list[StaffMember]]:
    """Bulk-insert n requests with staff, events, notes and audit entries; returns the staff."""
    rng = random.Random(seed)
    deployment = load_deployment(ROOT / "examples/jamtland-harjedalen.yaml")
    units = [u.id for u in deployment.units]
    assert set(units) == set(UNIT_WEIGHTS), units
    staff: dict[str, list[StaffMember]] = {}
    staff_rows = []
    next_staff = 10_000
    for unit in units:
        staff[unit] = []
        for i in range(STAFF_PER_UNIT.get(unit, 2)):
            member = StaffMember(
                telegram_id=next_staff,
                unit=unit,
                role="admin" if i == 0 else "staff",
                name=f"Handläggare {next_staff}",
                active=True,
                created_at=NOW - timedelta(days=1200),
            )
            staff[unit].append(member)
            staff_rows.append(member.model_dump())
            next_staff += 1

    requests, events, notes, audits = [], [], [], []
    note_body = {"text": "x"}
    three_years = 3 * 365 * 86400
    for rid in range(1, n + 1):
        unit = _pick(rng, UNIT_WEIGHTS)
        status = _pick(rng, STATUS_MIX)
        if status == "new":
            age = rng.uniform(0, 30 * 86400)  # the backlog: up to a month old
        elif status in ENDED:
            age = rng.uniform(0, three_years)
        else:
            age = rng.uniform(0, 365 * 86400)
        submitted = NOW - timedelta(seconds=age)
        claimed = status != "new" or rng.random() < 0.4
        member = rng.choice(staff[unit]) if claimed and status not in ("deleted",) else None
        if status in ("declined", "deleted", "withdrawn") and rng.random() < 0.5:
            member = None
        claimed_at = submitted + timedelta(hours=rng.uniform(1, 72)) if member else None
        if claimed_at and claimed_at > NOW:
            claimed_at = NOW
        ended_at = None
        if status in ENDED:
            ended_at = min(NOW, submitted + timedelta(days=rng.uniform(1, 240)))
        role = _pick(rng, ROLES)
        consent = "given" if role == "self" else rng.choice(["confirmed", "to_confirm"])
        if status == "withdrawn":
            consent = "withdrawn"
        meeting = submitted + timedelta(days=rng.uniform(7, 30))
        requests.append(
            {
                "id": rid,
                "reference": f"SIP-{rid:07d}",
                "telegram_id": None if status == "deleted" else 1_000_000 + rid,
                "flow_id": "sip_request",
                "flow_version": 2,
                "role": role,
                "municipality": unit,
                "unit": unit,
                "consent": consent,
                "status": status,
                "language": "sv",
                "easy": rng.random() < 0.15,
                "answers": None if status == "deleted" else ANSWERS,
                "submitted_at": submitted,
                "assigned_to": member.telegram_id if member else None,
                "claimed_at": claimed_at,
                "due_at": submitted + timedelta(days=5),
                "escalated_at": None,
                "meeting_at": meeting
                if status in ("meeting_booked", "plan_made", "followup_booked", "closed")
                else None,
                "followup_at": meeting + timedelta(days=60)
                if status in ("followup_booked", "closed")
                else None,
                "closed_at": ended_at,
            }
        )
        # History: created, claimed, each step along the process to where it is now.
        end = ended_at or NOW
        steps = PATH[: PATH.index(status) + 1] if status in PATH else ["new", status]
        times = sorted(submitted + (end - submitted) * rng.random() for _ in steps[1:])
        sid = member.telegram_id if member else None
        events.append(_event(rid, submitted, "status", "new", "requester", None))
        if claimed_at:
            events.append(_event(rid, claimed_at, "assign", str(sid), "staff", sid))
        for value, at in zip(steps[1:], times, strict=True):
            actor = "person" if value in ("withdrawn", "deleted") else "staff"
            events.append(_event(rid, at, "status", value, actor, sid))
        if consent == "confirmed":
            events.append(_event(rid, claimed_at or submitted, "consent", consent, "staff", sid))
        if member and status != "new":
            for _ in range(rng.choice([0, 1, 1, 2, 3])):
                at = submitted + (end - submitted) * rng.random()
                notes.append(
                    {
                        "request_id": rid,
                        "at": at,
                        "kind": rng.choice(["note", "to_person", "from_person"]),
                        "staff_id": sid,
                        "body": None if status == "deleted" else note_body,
                    }
                )
                audits.append(
                    {"at": at, "staff_id": sid, "action": "view", "request_id": rid, "detail": None}
                )
    with engine.begin() as conn:
        conn.execute(insert(StaffMember.__table__), staff_rows)  # type: ignore[attr-defined]
        for table, rows in [
            (SipRequest.__table__, requests),  # type: ignore[attr-defined]
            (RequestEvent.__table__, events),  # type: ignore[attr-defined]
            (RequestNote.__table__, notes),  # type: ignore[attr-defined]
            (AuditEntry.__table__, audits),  # type: ignore[attr-defined]
        ]:
            for chunk in _chunks(rows):
                conn.execute(insert(table), chunk)
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            for table in ("sip_request", "request_event", "request_note", "audit_entry"):
                conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 1) FROM {table}))"
                )
        # Autovacuum would vacuum and analyze the freshly loaded tables within a minute (the
        # visibility map it sets is what lets counts use index-only scans); do it now.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("VACUUM ANALYZE")
    print(
        f"loaded {len(requests)} requests, {len(events)} events, {len(notes)} notes, "
        f"{len(audits)} audit entries, {len(staff_rows)} staff"
    )
    return staff


def _event(
    rid: int, at: datetime, kind: str, value: str, actor: str, sid: int | None
) -> dict[str, Any]:
    return {
        "request_id": rid,
        "at": at,
        "kind": kind,
        "value": value,
        "actor": actor,
        "staff_id": sid,
        "detail": None,
    }


# -- timing ----------------------------------------------------------------------------------


class SqlTimer:
    """Database time of one call (from the timing cursors) and the statements it ran."""

    def __init__(self, engine: Engine) -> None:
        self.statements: list[tuple[str, Any]] = []
        event.listen(engine, "before_cursor_execute", self._before)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:  # type: ignore[no-untyped-def]
        self.statements.append((statement, parameters))

    def measure(self, call: Callable[[], Any]) -> tuple[float, float, list[tuple[str, Any]]]:
        """(db ms, wall ms, statements) of one call."""
        self.statements = []
        _Spent.seconds = 0.0
        start = time.perf_counter()
        call()
        wall = time.perf_counter() - start
        return _Spent.seconds * 1000, wall * 1000, self.statements


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return statistics.median(ordered), p95


def explain(engine: Engine, statements: list[tuple[str, Any]]) -> None:
    prefix = "EXPLAIN QUERY PLAN " if engine.dialect.name == "sqlite" else "EXPLAIN ANALYZE "
    for statement, parameters in statements:
        if not statement.lstrip().upper().startswith("SELECT"):
            continue
        print("   ", " ".join(statement.split()))
        print("      params:", parameters)
        raw = engine.raw_connection()
        try:
            cur = raw.cursor()
            cur.execute(prefix + statement, parameters)
            for row in cur.fetchall():
                print("      ", " | ".join(str(c) for c in row))
        finally:
            raw.close()


def run(engine: Engine, staff: dict[str, list[StaffMember]], repeats: int, show: bool) -> list:  # type: ignore[type-arg]
    timer = SqlTimer(engine)
    unit = "ostersund"  # the busiest unit
    admin = staff[unit][0]
    # "mine" for the colleague with the most open requests.
    with engine.connect() as conn:
        busiest = conn.execute(
            text(
                "SELECT assigned_to FROM sip_request WHERE unit = :u AND status IN "
                "('new','contacted','meeting_booked','plan_made','followup_booked') "
                "AND assigned_to IS NOT NULL GROUP BY assigned_to ORDER BY count(*) DESC LIMIT 1"
            ),
            {"u": unit},
        ).scalar_one()
        ids = [
            r[0]
            for r in conn.execute(text("SELECT id FROM sip_request WHERE unit = :u"), {"u": unit})
        ]
    member = next(m for m in staff[unit] if m.telegram_id == busiest)
    rng = random.Random(7)
    cases: list[tuple[str, Callable[[], Any]]] = []
    for tab in queue.TABS:
        who = member if tab == "mine" else admin
        for number, label in ((0, "page 1"), (PAGE_50, "page 50")):
            cases.append(
                (
                    f"queue.page {tab:7} {label}",
                    lambda who=who, tab=tab, number=number: queue.page(
                        engine, who, tab, NOW, number
                    ),
                )
            )
    cases.append(("queue.counts", lambda: queue.counts(engine, member, NOW)))
    cases.append(
        ("work.view (card)", lambda: work.view(engine, lambda: NOW, admin, rng.choice(ids)))
    )
    results = []
    for name, call in cases:
        timer.measure(call)  # warm: the first call compiles and caches the statement
        db, wall = [], []
        statements: list[tuple[str, Any]] = []
        for _ in range(repeats):
            d, w, statements = timer.measure(call)
            db.append(d)
            wall.append(w)
        (db_med, db_p95), (wall_med, wall_p95) = quantiles(db), quantiles(wall)
        results.append((name, db_med, db_p95, wall_med, wall_p95))
        if show:
            print(f"\n== {name}")
            explain(engine, statements)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--db", choices=("sqlite", "postgres"), default="sqlite")
    parser.add_argument("--n", type=int, default=100_000, help="requests to load")
    parser.add_argument("--repeats", type=int, default=50, help="timed runs per case")
    parser.add_argument("--pg-url", default=os.environ.get("SIPBOT_BENCH_PG_URL", PG_URL))
    parser.add_argument("--explain", action="store_true", help="print each statement's plan")
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        help="a statement to run after loading, e.g. to try an index (repeatable)",
    )
    args = parser.parse_args()

    crypto.set_key(os.urandom(32))
    engine, drop = fresh_database(args.db, args.pg_url)
    try:
        start = time.perf_counter()
        staff = load(engine, args.n)
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="AUTOCOMMIT")
            for statement in args.sql:
                conn.exec_driver_sql(statement)
            if args.sql and engine.dialect.name == "postgresql":
                conn.exec_driver_sql("VACUUM ANALYZE sip_request")
        print(f"load: {time.perf_counter() - start:.1f} s ({args.db}, {engine.dialect.name})")
        results = run(engine, staff, args.repeats, args.explain)
    finally:
        drop()
    print(f"\n{args.db}, {args.n} requests, {args.repeats} runs each; times in ms")
    print(f"{'call':32} {'db med':>8} {'db p95':>8} {'wall med':>9} {'wall p95':>9}")
    for name, db_med, db_p95, wall_med, wall_p95 in results:
        flag = "  MISS" if db_p95 > GOAL_MS else ""
        print(f"{name:32} {db_med:8.2f} {db_p95:8.2f} {wall_med:9.2f} {wall_p95:9.2f}{flag}")


if __name__ == "__main__":
    main()
