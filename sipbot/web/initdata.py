"""Telegram Mini App `initData`: checked as Telegram's Bot API documentation specifies.

The key is HMAC-SHA256 of the bot token keyed with the constant "WebAppData"; the hash is the
hex HMAC-SHA256, under that key, of the data-check-string: every received field except `hash`,
as `key=value` sorted by key and joined with "\\n". `auth_date` (Unix seconds) must be fresh,
so a captured link stops working.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import parse_qsl, urlencode


class BadInitData(Exception):
    """Missing, malformed, forged or expired; `reason` is for the log, never for the page."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TelegramUser:
    id: int
    language_code: str | None
    first_name: str


def _secret(bot_token: str) -> bytes:
    return hmac.new(b"WebAppData", bot_token.encode(), hashlib.sha256).digest()


def _check_string(fields: dict[str, str]) -> str:
    return "\n".join(f"{k}={v}" for k, v in sorted(fields.items()) if k != "hash")


def sign(fields: dict[str, str], bot_token: str) -> str:
    """initData as Telegram would send it (for tests and `sipbot try`'s test session)."""
    digest = hmac.new(_secret(bot_token), _check_string(fields).encode(), hashlib.sha256)
    return urlencode({**fields, "hash": digest.hexdigest()})


def signed_for_test(bot_token: str, user_id: int, now: datetime, first_name: str = "Test") -> str:
    user = json.dumps({"id": user_id, "first_name": first_name, "language_code": "sv"})
    return sign({"auth_date": str(int(now.timestamp())), "user": user}, bot_token)


def verify(init_data: str, bot_token: str, now: datetime, max_age: int) -> TelegramUser:
    """The user the data was signed for, or BadInitData."""
    if not init_data or len(init_data) > 8192:
        raise BadInitData("missing")
    try:
        pairs = parse_qsl(init_data, keep_blank_values=True, strict_parsing=True)
    except ValueError:
        raise BadInitData("malformed") from None
    fields = dict(pairs)
    if len(fields) != len(pairs):
        raise BadInitData("duplicate_field")
    given = fields.get("hash", "")
    expected = hmac.new(_secret(bot_token), _check_string(fields).encode(), hashlib.sha256)
    # Constant time: the comparison must not tell a forger how much of the hash was right.
    if not hmac.compare_digest(expected.hexdigest(), given.lower()):
        raise BadInitData("bad_hash")
    try:
        auth_date = int(fields["auth_date"])
        user = json.loads(fields["user"])
        user_id = int(user["id"])
    except (KeyError, ValueError, TypeError):
        raise BadInitData("no_user") from None
    age = now.timestamp() - auth_date
    if age > max_age or age < -60:  # a minute of clock skew ahead is tolerated
        raise BadInitData("expired")
    language = user.get("language_code")
    return TelegramUser(
        user_id, language if isinstance(language, str) else None, str(user.get("first_name", ""))
    )
