"""Right-to-left text: isolates around inserted values, the paragraph's direction, digits.

Unicode's bidirectional algorithm (UAX #9) gives a paragraph the direction of its first strong
character. An Arabic sentence that starts with a reference ("SIP-2026-0001 ...") would read left
to right, and a Latin name inside it can pull the words around it out of order. FIRST STRONG
ISOLATE ... POP DIRECTIONAL ISOLATE keeps each inserted value a unit of its own direction.
"""

from __future__ import annotations

import unicodedata

FSI = "\u2068"  # FIRST STRONG ISOLATE: the value takes the direction of its own first letter
PDI = "\u2069"  # POP DIRECTIONAL ISOLATE
RLM = "\u200f"  # RIGHT-TO-LEFT MARK: a strong right-to-left character that shows nothing
MARKS = frozenset("\u200e\u200f\u061c\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e")
_OPENS = frozenset("\u2066\u2067\u2068")

# Eastern Arabic (U+0660..) and Persian (U+06F0..) digits, as people type them.
_DIGITS = {ord(c): str(i) for i, c in enumerate("٠١٢٣٤٥٦٧٨٩")}
_DIGITS |= {ord(c): str(i) for i, c in enumerate("۰۱۲۳۴۵۶۷۸۹")}


def isolate(value: str) -> str:
    return f"{FSI}{value}{PDI}"


ISOLATES = frozenset("\u2066\u2067\u2068\u2069")


def strip_isolates(text: str) -> str:
    """``text`` without isolates (a PDF lays out its own runs; its fonts have no glyphs)."""
    return "".join(ch for ch in text if ch not in ISOLATES)


def strip_marks(text: str) -> str:
    """``text`` without directional marks and isolates (for a PDF, a search, a comparison)."""
    return "".join(ch for ch in text if ch not in MARKS)


def first_strong(text: str, *, skip_isolates: bool) -> str | None:
    """ "L" or "R" for the first strong character (UAX #9 rule P2), None when there is none.

    With ``skip_isolates`` (as the algorithm says) characters between an isolate initiator and
    its PDI are passed over; without, as a client that ignores isolates would read it.
    """
    depth = 0
    for ch in text:
        if skip_isolates and ch in _OPENS:
            depth += 1
            continue
        if skip_isolates and ch == PDI and depth:
            depth -= 1
            continue
        if depth:
            continue
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "L"
        if kind in ("R", "AL"):
            return "R"
    return None


def starts_rtl(text: str) -> bool:
    """Right to left both for the bidi algorithm and for a client that ignores isolates."""
    return first_strong(text, skip_isolates=False) == "R"


def ascii_digits(text: str) -> str:
    """Eastern Arabic and Persian digits as 0-9, so "٠٧٠١٢٣" is stored and checked as "070123"."""
    return text.translate(_DIGITS)
