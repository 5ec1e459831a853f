"""Text that shows nothing: whitespace, zero-width and other invisible characters only."""

from __future__ import annotations

import unicodedata

# Letters that render as empty space (Hangul fillers, the blank Braille pattern).
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800")
# Separators, controls and format characters (zero-width space, joiners, marks, BOM).
_INVISIBLE_CATEGORIES = frozenset({"Zs", "Zl", "Zp", "Cc", "Cf"})


def is_blank(text: str) -> bool:
    """True if nothing in the text would be visible to a reader."""
    return all(
        ch in _BLANK_LETTERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES for ch in text
    )
