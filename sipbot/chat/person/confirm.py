"""One-time confirmations: a destructive question is answered once, by Yes or by No.

Asking stores a fresh nonce in user_data and puts it in both buttons; either answer takes it,
so any later press of that question's buttons finds no nonce and is known to be old.
"""

from __future__ import annotations

import secrets
from typing import Any

CONFIRM_KEY = "confirm"


def ask(user_data: dict[str, Any], what: str) -> str:
    """A new nonce for the question `what`; an earlier open question about it becomes old."""
    nonce = secrets.token_hex(4)
    user_data.setdefault(CONFIRM_KEY, {})[what] = nonce
    return nonce


def take(user_data: dict[str, Any], what: str, nonce: str) -> bool:
    """True once for the open question's nonce; False for an old or forged one."""
    pending = user_data.get(CONFIRM_KEY) or {}
    if not nonce or pending.get(what) != nonce:
        return False
    del pending[what]
    if not pending:
        user_data.pop(CONFIRM_KEY, None)
    return True
