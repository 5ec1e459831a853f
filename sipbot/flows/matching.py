"""A typed answer taken as the button it names: "ostersund", "Östersnd" -> Östersund.

People type what a button says, in any case, without å/ä/ö, with a letter wrong or missing.
A typed text is that option when it is close to exactly one option's label: at most one edit
for short words, two for longer ones, and clearly closer to it than to any other label.
Anything else (far, or as close to two options) is no match: the person is asked to use the
buttons, so a guess never files a wrong answer.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

_NOT_WORD = re.compile(r"[^\w]+")
_PARENTHESES = re.compile(r"\([^)]*\)")
_EMOJI_MARKS = ("✅", "▫️", "◀", "▶")


def normalize(text: str) -> str:
    """Lower case, no diacritics, no punctuation, single spaces: what a person meant."""
    for mark in _EMOJI_MARKS:
        text = text.replace(mark, " ")
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(_NOT_WORD.sub(" ", plain).replace("_", " ").split())


def allowed_edits(length: int) -> int:
    """How many typing mistakes a word of this length may have and still count."""
    if length <= 3:
        return 0
    if length <= 7:
        return 1
    return 2


def distance(a: str, b: str, limit: int) -> int:
    """Levenshtein distance, stopping early once it is known to exceed `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        row = [i]
        for j, cb in enumerate(b, 1):
            row.append(min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(row) > limit:
            return limit + 1
        previous = row
    return previous[-1]


def _forms(label: str) -> set[str]:
    """The ways a label may be typed: whole, and without a bracketed aside."""
    forms = {normalize(label), normalize(_PARENTHESES.sub(" ", label))}
    return {f for f in forms if f}


def match_option(typed: str, options: Sequence[tuple[str, str]]) -> str | None:
    """The id of the one option (id, label) the typed text names, or None."""
    text = normalize(typed)
    if not text:
        return None
    limit = allowed_edits(len(text))
    best: dict[str, int] = {}
    for oid, label in options:
        for form in _forms(label):
            d = distance(text, form, limit)
            if d <= limit:
                best[oid] = min(d, best.get(oid, d))
    if not best:
        return None
    ranked = sorted(best.items(), key=lambda kv: kv[1])
    if len(ranked) > 1 and ranked[1][1] == ranked[0][1]:
        return None  # as close to two options: ask, do not guess
    return ranked[0][0]


def match_options(typed: str, options: Sequence[tuple[str, str]]) -> list[str] | None:
    """For a multi step: each comma- or line-separated piece names one option, or None."""
    pieces = [p for p in re.split(r"[,;\n]+", typed) if normalize(p)]
    found: list[str] = []
    for piece in pieces:
        oid = match_option(piece, options)
        if oid is None:
            return None
        if oid not in found:
            found.append(oid)
    return found or None
