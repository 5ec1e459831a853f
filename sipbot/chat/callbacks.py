"""Callback data as the bot writes it: one grammar per family of buttons, matched whole.

A client can send any callback data (old buttons, forged ones), so a handler is given only
data in the shape the code writes, and reads its numbers with ``number``: ASCII digits only
(``str.isdigit`` takes '²' and int() then fails), no sign, no leading zero, no more digits
than any id the bot stores (a longer number does not fit the databases' integers).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

NUMBER = r"(?:0|[1-9][0-9]{0,15})"  # f"{n}" for 0 <= n < 10**16 (Telegram ids have 16 digits)
_NUMBER = re.compile(NUMBER)
# A word of staff data: a unit id (deployment.py's pattern), an action, a status, a number.
# Meeting slots as booking_ui writes them, int(at.timestamp()): this century only.
_FIRST_SLOT, _LAST_SLOT = 946_684_800, 4_102_444_800  # 2000-01-01, 2100-01-01 UTC


def grammar(body: str) -> re.Pattern[str]:
    """The whole data, nothing before or after (PTB matches from the start; \\Z ends it)."""
    return re.compile(rf"(?:{body})\Z")


ABOUT = grammar(rf"A:(?P<page>{NUMBER})")
DRAFT = grammar(r"D:(?P<choice>continue|restart)")
FLOW = grammar(rf"F:(?P<ask>{NUMBER}):(?P<op>n|c|t|d|k|l|s|b|e|send):(?P<arg>{NUMBER})?")
TEAM = grammar(
    rf"G:(?P<action>invite|list|remove|remove_yes|hand|handto)"
    rf":(?P<arg>staff|admin|{NUMBER}|{NUMBER}\.{NUMBER})?"
)
# s: yes to a SIP, the second question (sharing) comes next; y: yes to both; n: no.
CONSENT = grammar(r"K:(?P<choice>s|y|n):(?P<token>[A-Za-z0-9_-]{24})")  # token_urlsafe(18)
# A catalog directory name (a BCP 47 tag); the handler checks it is offered.
LANGUAGE = grammar(r"L:(?P<lang>[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})?)")
MENU = grammar(r"M:(?P<choice>about|ask|requests|privacy|help|language|menu)")
NOTICE = grammar(rf"N:(?P<choice>yes|other):(?P<meeting>{NUMBER})")
NONCE = r"[0-9a-f]{1,16}"  # confirm.py writes token_hex(4); an old or forged one fails there
PRIVACY = grammar(rf"P:(?:delete|(?:yes|no):{NONCE})")
REQUESTS = grammar(
    rf"Q:(?:(?P<action>show|withdraw|pdf|plan|planfull|planpdf):(?P<request>{NUMBER})"
    rf"|(?P<confirm>withdraw_yes|withdraw_no):(?P<confirm_request>{NUMBER}):(?P<nonce>{NONCE})"
    r"|list:)"
)
REGISTER = grammar(r"R:(?P<register>plain|easy)")
STAFF_CANCEL = grammar(r"S:x:0")
# The staff card's buttons, one grammar per action: S:<action>:<request>[:<argument>].
# An argument the code writes from a list it checks again (a unit, a status, a consent way,
# a booking step) is matched as any word, so that a forged one is refused by that check.
_RID = rf"(?P<request>{NUMBER})"
_WORD = r"[^:]*"
STAFF_QUEUE = grammar(rf"S:q:(?P<tab>new|mine|overdue|open|closed):(?P<page>{NUMBER})")
STAFF_OPEN = grammar(rf"S:o:{_RID}")
STAFF_CLAIM = grammar(rf"S:c:{_RID}")
STAFF_RELEASE = grammar(rf"S:r:{_RID}")
STAFF_ASSIGN = grammar(rf"S:A:{_RID}(?::(?P<colleague>{NUMBER}))?")
STAFF_TRANSFER = grammar(rf"S:T:{_RID}(?::(?P<unit>{_WORD}))?")
STAFF_CONSENT = grammar(rf"S:k:{_RID}(?::(?P<how>{_WORD}))?")
STAFF_MESSAGE = grammar(rf"S:m:{_RID}")
STAFF_NOTE = grammar(rf"S:n:{_RID}")
STAFF_DECLINE = grammar(rf"S:d:{_RID}")
STAFF_STATUS = grammar(rf"S:s:{_RID}(?::(?P<status>{_WORD}))?")
STAFF_CLOSE_YES = grammar(rf"S:Z:{_RID}")
STAFF_BOOKING = grammar(rf"S:b:{_RID}:(?P<what>{_WORD})(?::(?P<value>{_WORD}))?")
STAFF_VOICE = grammar(rf"S:v:{_RID}:(?P<index>{NUMBER})")
STAFF_PDF = grammar(rf"S:p:{_RID}")
STAFF_JSON = grammar(rf"S:j:{_RID}")
STAFF_ANY = re.compile(r"S:")  # anything else in the staff family: refused, and recorded
CANCEL = grammar(r"X:(?P<choice>yes|no)")
REPLY = grammar(rf"Y:(?P<request>{NUMBER})")


def parse(pattern: re.Pattern[str], data: str | None) -> dict[str, str] | None:
    """The named parts of ``data`` if it is in this grammar ("" for a part left out)."""
    match = pattern.match(data or "")
    return match.groupdict(default="") if match else None


def number(text: str | None) -> int | None:
    """The number a button carries, as the code writes it; None for anything else."""
    if text is None or not _NUMBER.fullmatch(text):
        return None
    return int(text)


def slot(text: str | None) -> datetime | None:
    """A meeting time a button carries (seconds since 1970); None for anything else."""
    seconds = number(text)
    if seconds is None or not _FIRST_SLOT <= seconds < _LAST_SLOT:
        return None
    return datetime.fromtimestamp(seconds, tz=UTC)

