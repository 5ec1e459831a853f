"""LIX (läsbarhetsindex), a rough readability measure for Swedish text.

    LIX = words / sentences + 100 * long_words / words

A long word has more than 6 letters. Below 30 is very easy, 30-40 easy, 40-50 medium, 50-60 hard.
LIX does not see short hard words, so it is a floor for easy-to-read text, not the goal.

The rules used here (tests/test_catalogs.py relies on them):

- `{placeholders}` and URLs are removed before counting; they are filled in at run time.
- A word is a run of letters or digits; a hyphen or apostrophe inside it keeps it one word
  ("LSS-handläggare", "don't", "070-123").
- A sentence ends at . ! ? or : followed by a space or the end of the text, and at every line
  break (so each line of a list, or each bullet, is a sentence). A piece with no words is not a
  sentence. A text with words but no sentence end is one sentence.
"""

from __future__ import annotations

import re

__all__ = ["is_long", "lix", "sentences", "words"]

_PLACEHOLDER = re.compile(r"\{[^{}\s]*\}")
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# Numbers count as words (a reader reads "18" or "070-123" as a word) but never as long words.
_WORD = re.compile(r"[^\W_]+(?:[-'’][^\W_]+)*")
_SENTENCE_END = re.compile(r"(?<=[.!?:])\s+")
_BULLET = re.compile(r"^\s*(?:[•*·‣◦–-]\s+)")

LONG_WORD_LETTERS = 6


def _clean(text: str) -> str:
    return _URL.sub(" ", _PLACEHOLDER.sub(" ", text))


def words(text: str) -> list[str]:
    """The words of `text`, placeholders and URLs left out."""
    return _WORD.findall(_clean(text))


def sentences(text: str) -> list[str]:
    """The sentences of `text`, stripped, in order; pieces without words are dropped."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    out: list[str] = []
    for line in text.split("\n"):
        line = _BULLET.sub("", line)
        for piece in _SENTENCE_END.split(line):
            piece = piece.strip()
            if piece and words(piece):
                out.append(piece)
    return out


def is_long(word: str) -> bool:
    """More than six letters (digits, hyphens and apostrophes do not count)."""
    return sum(ch.isalpha() for ch in word) > LONG_WORD_LETTERS


def lix(text: str) -> float:
    """LIX of `text`; 0.0 for a text without words."""
    ws = words(text)
    if not ws:
        return 0.0
    n_sentences = max(1, len(sentences(text)))
    n_long = sum(is_long(w) for w in ws)
    return len(ws) / n_sentences + 100 * n_long / len(ws)
