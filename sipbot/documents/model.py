"""A request as a document: what the PDF prints, with no PDF library behind it.

Apart from sipbot.documents.pdf so that building one does not import fpdf: that is loaded
only when a PDF is made (a quarter of the bot's start-up otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Section:
    """One question of the form and the person's answer.

    ``lines`` are paragraphs; a line starting with "• " is a bullet (e.g. a sub-goal).
    """

    title: str
    lines: list[str]


@dataclass(frozen=True)
class RequestDocument:
    """A SIP request ready to print. All strings already localized by the caller."""

    title: str  # e.g. "Förfrågan om samordnad individuell plan (SIP)"
    reference: str  # e.g. "SIP-7K3Q-M9X"
    facts: list[tuple[str, str]]  # (label, value) pairs for the header block
    sections: list[Section]
    footer: str  # e.g. "Skapad av sipbot 2026-11-22"
    language: str = "sv"  # BCP 47 tag, written to the PDF as /Lang
