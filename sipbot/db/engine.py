"""Engine and sessions: SQLite (WAL) by default, PostgreSQL when the URL says so."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlmodel import Session

log = logging.getLogger(__name__)


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
    return create_engine(url, pool_pre_ping=True)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    # WAL lets readers go on while the bot writes; NORMAL sync is durable across a process kill.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    # Deleted data is overwritten with zeros, not left in free pages of the file.
    cur.execute("PRAGMA secure_delete=ON")
    cur.close()


def scrub(engine: Engine) -> None:
    """After erasing a person's data: leave no old copy of it in SQLite's write-ahead log.

    The WAL keeps whole old pages until a checkpoint; TRUNCATE copies them into the file
    (where secure_delete has zeroed the deleted content) and empties the log. PostgreSQL's
    dead tuples are not reachable through SQL and are reclaimed by autovacuum.
    """
    if engine.dialect.name != "sqlite":
        return
    with engine.connect() as conn:
        busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()[0]
    if busy:
        log.warning("db.scrub_busy")


@contextmanager
def session_scope(engine: Engine) -> Iterator[Session]:
    """One short transaction: committed on success, rolled back on error."""
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
