"""Server-side page sessions: the cookie holds a random id, the server holds who it is.

Kept in memory: a restart ends every session, and the person opens the page again from
Telegram (a fresh initData). Nothing personal is stored here but the Telegram user id.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sipbot.clock import Clock

MAX_SESSIONS = 10_000  # the oldest go first past this, so a flood cannot fill the memory


@dataclass
class WebSession:
    user_id: int
    language_code: str | None
    csrf: str
    last_used: datetime
    # Signed in through the region's OpenID Connect provider (SITHS), not only from Telegram.
    verified: bool = False


class SessionStore:
    def __init__(self, clock: Clock, idle: timedelta) -> None:
        self._clock = clock
        self._idle = idle
        # Keyed by a hash of the cookie value: a memory dump does not hand out live cookies.
        self._by_hash: dict[str, WebSession] = {}

    @staticmethod
    def _key(cookie: str) -> str:
        return hashlib.sha256(cookie.encode()).hexdigest()

    def open(
        self, user_id: int, language_code: str | None, *, verified: bool = False
    ) -> tuple[str, WebSession]:
        """A new session (never a reused id: no session fixation); returns the cookie value."""
        if len(self._by_hash) >= MAX_SESSIONS:
            oldest = min(self._by_hash, key=lambda k: self._by_hash[k].last_used)
            del self._by_hash[oldest]
        cookie = secrets.token_urlsafe(32)
        session = WebSession(
            user_id, language_code, secrets.token_urlsafe(32), self._clock(), verified
        )
        self._by_hash[self._key(cookie)] = session
        return cookie, session

    def get(self, cookie: str | None) -> WebSession | None:
        if not cookie:
            return None
        key = self._key(cookie)
        session = self._by_hash.get(key)
        if session is None:
            return None
        now = self._clock()
        if now - session.last_used > self._idle:
            del self._by_hash[key]
            return None
        session.last_used = now
        return session

    def close(self, cookie: str | None) -> None:
        if cookie:
            self._by_hash.pop(self._key(cookie), None)
